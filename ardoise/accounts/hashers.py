"""Password hashers: Django's argon2id, or the OWASP parameters as an option (`ARGON2_PROFILE=owasp`).

Django's defaults (argon2id, 100 MiB of memory, 2 passes, 8 lanes) cost a login about as much CPU as the rest
of a phone's day of API calls (docs/benchmarks.md, "Issue 14 — rush requests"); the OWASP cheat sheet's first
configuration (19 MiB, 2 passes, 1 lane) costs less and is still recommended. Which one is a security decision
(README, "Running it in production"). Both share the algorithm name `argon2`, so a hash made with either
verifies under the other, and Django rehashes it with the configured parameters at the next login.
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class OwaspArgon2PasswordHasher(Argon2PasswordHasher):
    """argon2id with OWASP's minimum: 19 MiB (19,456 KiB) of memory, 2 passes, 1 lane."""

    time_cost = 2
    memory_cost = 19456
    parallelism = 1
