"""The demo town's runs and bordereaux export to Magnus and JVS Millésime without a refusal."""

import datetime
import io
import zipfile

from ardoise.billing.models import InvoicingRun, RunStatus
from ardoise.demo.builder import build_demo
from ardoise.treasury import actions, jvs, magnus
from ardoise.treasury.queries import handover_batch, run_batch


def test_the_demo_towns_runs_and_bordereaux_export_to_both_tools(db, settings):
    settings.ARDOISE_PDF_RENDERER = "ardoise.billing.pdf.FakePdfRenderer"
    today = datetime.date(2027, 3, 9)
    town = build_demo(today)
    runs = list(InvoicingRun.objects.filter(town=town, status=RunStatus.ISSUED).order_by("period_start"))
    assert runs

    exported = 0
    for run in runs:
        batch = run_batch(town, run)
        if not batch.due_titles:  # a month the families have paid already
            continue
        exported += 1
        with zipfile.ZipFile(io.BytesIO(magnus.archive(batch))) as archive:
            assert archive.read(magnus.ECRITURES_NAME)
        assert jvs.build(batch).startswith(b"<?xml")
    assert exported

    handover = actions.hand_over(town, None, year=2027, month=1, today=today)
    batch = handover_batch(town, handover)
    ranks = {row.split(b";")[0] for row in magnus.ecritures(batch).split(b"\r\n")}
    assert ranks == {f'"{rank}"'.encode() for rank in range(1, handover.invoice_count + 1)}
    assert f'<MtBordHt V="{handover.total:.2f}"/>'.encode() in jvs.build(batch)
