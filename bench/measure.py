"""What the benchmarks measure the same way: the SQL statements a piece of work sends, and the CPU its
PostgreSQL backend used (read from /proc: client and server on the same machine). Imported after
django.setup()."""

import os
from pathlib import Path
from typing import Any

from django.db import connection


class QueryCounter:
    """Counts the statements sent through the connection (an execute wrapper: whatever DEBUG says, no SQL kept)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


def backend_pid() -> int | None:
    """The process id of this connection's PostgreSQL backend; None on another database."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    return int(pid)


def backend_cpu(pid: int | None) -> float:
    """Seconds of CPU (user + system) the backend `pid` has used so far; 0 without one (or not on this machine)."""
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # utime and stime: fields 14 and 15 of the stat line (the 12th and 13th after the command's name).
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
