"""Billed bookings keyed by their booking, without a foreign key: on PostgreSQL a trigger and the issue's claim
keep the rule (billing.billed_bookings)."""

import django.db.models.deletion
from django.db import migrations, models

from ardoise.billing.billed_bookings import CREATE_DELETION_CHECK, DROP_DELETION_CHECK


def run(statements):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return operation


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0008_billed_bookings_line_no_fk"),
        ("bookings", "0003_booking_activity_day_child"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="billedbooking",
            name="id",
        ),
        migrations.AlterField(
            model_name="billedbooking",
            name="booking",
            field=models.OneToOneField(
                db_constraint=False,
                on_delete=django.db.models.deletion.PROTECT,
                primary_key=True,
                related_name="billed",
                serialize=False,
                to="bookings.booking",
            ),
        ),
        migrations.RunPython(run(CREATE_DELETION_CHECK), run(DROP_DELETION_CHECK)),
    ]
