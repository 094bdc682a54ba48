"""Rows of the treasury for the permission matrix (tests/backoffice/test_permissions.py): made on demand."""

import datetime

from ardoise.billing.models import InvoicingRun
from ardoise.families.models import Family
from ardoise.treasury.models import Handover, ProductCode, RunExport

DAY = datetime.date(2027, 3, 10)
FILE = b"<?xml version='1.0' encoding='ISO-8859-1'?><n:PES_Aller xmlns:n='http://www.minefi.gouv.fr/cp/helios/pes_v2/Rev0/aller'/>"


def handover_of(family: Family) -> Handover:
    handover, _created = Handover.objects.get_or_create(
        town_id=family.town_id,
        year=2027,
        number=1,
        defaults={
            "period_start": datetime.date(2027, 2, 1),
            "period_end": datetime.date(2027, 2, 28),
            "invoice_count": 0,
            "total": "0.00",
            "pes": FILE,
            "file_name": "PES_12300_2027_0000001.xml",
        },
    )
    return handover


def run_export_of(family: Family) -> RunExport:
    run, _created = InvoicingRun.objects.get_or_create(
        town_id=family.town_id, period_start=datetime.date(2027, 3, 1), period_end=datetime.date(2027, 3, 31)
    )
    export, _created = RunExport.objects.get_or_create(
        town_id=family.town_id,
        year=2027,
        number=2,
        defaults={
            "run": run,
            "invoice_count": 0,
            "total": "0.00",
            "pes": FILE,
            "file_name": "PES_12300_2027_0000002.xml",
        },
    )
    return export


def product_code_of(family: Family) -> ProductCode:
    code, _created = ProductCode.objects.get_or_create(
        town_id=family.town_id, activity=None, defaults={"code": "PERI", "nature": "7066", "label": "Périscolaire"}
    )
    return code
