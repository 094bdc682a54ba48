"""Billed bookings keyed by their booking, without a foreign key: on PostgreSQL a trigger and the issue's claim
keep the rule (billing.billed_bookings)."""

import django.db.models.deletion
from django.db import migrations, models

# The trigger that refuses to delete a billed booking (PostgreSQL; SQLite's writer holds the whole database),
# once per statement, after it, for all the rows it deleted: the towns' billing locks, shared, first (in town
# order; 1112099916 is billed_bookings.BILLING_LOCK), the deletions counted (billed_bookings.DELETIONS), then the
# check, which reads what an issue holding a lock committed meanwhile (each statement of a function reads afresh).
CREATE_DELETION_CHECK = [
    "CREATE SEQUENCE billing_booking_deletions",
    """
    CREATE FUNCTION billing_keep_billed_bookings() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NOT EXISTS (SELECT FROM deleted) THEN
            RETURN NULL;
        END IF;
        PERFORM pg_advisory_xact_lock_shared(1112099916, towns.town_id::integer)
        FROM (SELECT DISTINCT town_id FROM deleted ORDER BY town_id) AS towns;
        PERFORM nextval('billing_booking_deletions');
        IF EXISTS (SELECT 1 FROM deleted JOIN billing_billedbooking ON booking_id = deleted.id) THEN
            RAISE EXCEPTION 'a billed booking cannot be deleted' USING ERRCODE = 'foreign_key_violation';
        END IF;
        RETURN NULL;
    END
    $$
    """,
    "CREATE TRIGGER billing_keep_billed_bookings AFTER DELETE ON bookings_booking REFERENCING OLD TABLE AS deleted "
    "FOR EACH STATEMENT EXECUTE FUNCTION billing_keep_billed_bookings()",
]
DROP_DELETION_CHECK = [
    "DROP TRIGGER billing_keep_billed_bookings ON bookings_booking",
    "DROP FUNCTION billing_keep_billed_bookings()",
    "DROP SEQUENCE billing_booking_deletions",
]


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
