"""Build the demo town of DEMO.md, or a large generated town for benchmarks.

`build_demo(today)` deletes the town `demo` and everything in it, then builds it
again in one transaction, relative to `today` and from a random generator seeded
with a constant and that day: the same day gives the same town.

- School years: the previous, the current and the next one (zone B official
  calendar, see demo.calendar).
- Bookings: every open day of the current school year up to yesterday, with the
  roll call done, and the next 14 days from today; none further ahead. With
  `children=N` the previous school year is filled too, so that a benchmark always
  has at least a whole school year of roll calls.
- DUPONT (family 1): last school year's invoices and cheque of seed 001.
- This school year invoiced by the month-end runs up to the month before last,
  and paid (demo.invoicing); news, documents and the menus of the current and
  next weeks (demo.publications). Not in the large generated towns.

Rows are written with bulk_create in batches and never one query per row, so
that 10,000 children build in well under two minutes on PostgreSQL.
"""

import datetime
import graphlib
import math
import random
import time
from collections import Counter
from typing import Any, TextIO

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.db import connection, models, transaction

from ardoise.accounts.models import User
from ardoise.activities.models import AbsenceReason, Activity
from ardoise.billing.models import PaymentMethod, Tariff, TariffBand
from ardoise.bookings.models import Absence, Booking, Enrollment, Request
from ardoise.calendars.deadlines import PARIS
from ardoise.calendars.models import Closure, SchoolYear
from ardoise.calendars.opening import ClosureSpan
from ardoise.towns.models import Site, StaffRole, Town

from . import (
    admissions,
    caf,
    consents,
    direct_debit,
    holidays,
    invoicing,
    ledger,
    names,
    privacy,
    publications,
    quotients,
    signup,
    spec,
    supporting_documents,
    treasury,
    voucher_payments,
)
from .bookings import BookingGenerator, ChildRef, OpenDays
from .bulk import foreign_keys_checked_once, insert, writer_for_connection
from .calendar import YearSpan, current_school_year, days_between, is_open, school_year
from .campaigns import create_reenrolment_campaign
from .history import create_history
from .legal import create_statements
from .people import GRADES, FamilyPlan, PopulationBuilder
from .prepaid_town import build_prepaid_town

SEED = "ardoise-demo-v1"
CHILDREN_PER_SCHOOL = 250
COMING_DAYS = 14


def build_demo(today: datetime.date, children: int | None = None, stdout: TextIO | None = None) -> Town:
    """Delete the demo town and build it again; `children` makes a large generated town."""
    if children is not None and children < 2:
        raise ValueError("A generated town has at least DUPONT's two children.")
    big_tables = [model._meta.db_table for model in (Booking, Absence, Request)]
    with transaction.atomic(), foreign_keys_checked_once(big_tables):
        started = time.monotonic()
        delete_town(spec.TOWN_SLUG)
        deleted = time.monotonic()
        builder = DemoBuilder(today, children)
        builder.build()
        if children is None:  # The second demo town, in prepayment (seed 002).
            build_prepaid_town(today)
        built = time.monotonic()
    if stdout is not None:
        for label, count in sorted(builder.counts.items()):
            stdout.write(f"{label}: {count}\n")
        stdout.write(f"delete the old town: {deleted - started:.1f} s\n")
        for name, seconds in builder.timings:
            stdout.write(f"{name}: {seconds:.1f} s\n")
        stdout.write(f"foreign keys and commit: {time.monotonic() - built:.1f} s\n")
    return builder.town


def delete_town(slug: str) -> None:
    """Delete a town and all its rows, table by table, in plain SQL.

    A cascade through the ORM would load every row (millions of bookings for a
    large town) and stumble on issued invoices, which refuse deletion by design.
    """
    town = Town.objects.filter(slug=slug).first()
    if town is None:
        return
    quote = connection.ops.quote_name
    existing = set(connection.introspection.table_names())  # Models still without their migration have none.
    tables = [(model, column) for model, column in town_tables_in_delete_order() if model._meta.db_table in existing]
    with connection.cursor() as cursor:
        # Many-to-many rows first: they point to tables deleted before their owner (a run's activities).
        for model, column in tables:
            for through, through_column in many_to_many_tables(model):
                cursor.execute(
                    f"DELETE FROM {quote(through)} WHERE {quote(through_column)} IN "  # noqa: S608
                    f"(SELECT {quote(model._meta.pk.column)} FROM {quote(model._meta.db_table)} "
                    f"WHERE {quote(column)} = %s)",
                    [town.pk],
                )
        for model, column in tables:
            cursor.execute(f"DELETE FROM {quote(model._meta.db_table)} WHERE {quote(column)} = %s", [town.pk])  # noqa: S608
        cursor.execute(f"DELETE FROM {quote(Town._meta.db_table)} WHERE id = %s", [town.pk])  # noqa: S608


def many_to_many_tables(model: type[models.Model]) -> list[tuple[str, str]]:
    """(table, column to `model`) of the automatic many-to-many tables of `model` (a user's groups…)."""
    tables = []
    for m2m in model._meta.many_to_many:
        through = m2m.remote_field.through
        if through._meta.auto_created:
            tables.append((through._meta.db_table, m2m.m2m_column_name()))
    return tables


def town_tables_in_delete_order() -> list[tuple[type[models.Model], str]]:
    """Every table with a foreign key to Town, the tables pointing to others first."""
    columns: dict[type[models.Model], str] = {}
    for model in apps.get_models():
        for model_field in model._meta.concrete_fields:
            if model_field.is_relation and model_field.related_model is Town:
                columns[model] = model_field.column
    sorter: graphlib.TopologicalSorter[type[models.Model]] = graphlib.TopologicalSorter()
    for model in columns:
        sorter.add(model)
        for model_field in model._meta.concrete_fields:
            target = model_field.related_model if model_field.is_relation else None
            if target in columns and target is not model:
                sorter.add(target, model)  # `model` points to `target`: delete it first.
    return [(model, columns[model]) for model in sorter.static_order()]


class DemoBuilder:
    def __init__(self, today: datetime.date, children: int | None):
        self.today = today
        self.children = children
        self.rng = random.Random(f"{SEED}/{today.isoformat()}/{children}")
        self.counts: Counter[str] = Counter()
        self.horizon = today + datetime.timedelta(days=COMING_DAYS)
        self.timings: list[tuple[str, float]] = []
        self.last_step = time.monotonic()

    def build(self) -> None:
        self.town = self.create_town()
        self.create_school_years()
        self.sites = self.create_sites()
        self.activities = self.create_activities()
        self.create_tariffs()
        self.reasons = self.create_absence_reasons()
        self.staff = self.create_staff()
        self.closures = self.create_closures()
        self.step("town, services and staff")
        self.plans = self.create_families()
        self.step("families")
        self.create_enrollments()
        self.step("enrollments")
        self.create_bookings()
        self.step("bookings")
        self.create_ledger()
        direct_debit.create_direct_debit(self.town, self.today, self.counts)
        treasury.create_treasury(self.town, self.counts)
        self.step("last school year's ledger and mandates")
        if self.children is None:  # Benchmark towns skip what only the guides' tour needs.
            create_history(self)  # last school year's roll calls, invoices and payments, for the charts
            self.step("last school year's history for the charts")
            invoicing.invoice_this_year(
                self.town,
                self.years["current"],
                self.today,
                self.plans,
                self.staff["regie@demo.test"],
                self.rng,
                self.counts,
            )
            self.step("this school year's invoicing runs and payments")
            voucher_payments.create_voucher_payments(self.town, self.today, self.staff, self.counts)
            admissions.create_waiting_list(
                self.town, self.today, list(self.school_years.values()), self.activities, self.staff, self.counts
            )
            self.step("a full activity and its waiting list")
            meals = {site.pk: self.activities[(site.pk, "repas")] for site in self.sites}
            publications.publish(
                self.town,
                self.today,
                self.sites,
                self.staff,
                lambda site, day: self.in_school(day) and self.opens(meals[site.pk], day, self.closures),
                self.counts,
            )
            self.step("news, documents and menus")
            centre = holidays.build_holiday_centre(
                self.town, self.today, self.sites[0], self.plans, self.rng, self.counts
            )
            self.step("holiday centre and its registration period")
            supporting_documents.create_supporting_documents(
                self.town,
                self.today,
                [*self.activities.values(), centre],
                self.plans,
                self.staff["accueil@demo.test"],
                self.counts,
            )
            self.step("supporting documents")
            signup.create_waiting_families(self.town, self.today, self.sites, self.counts)
            self.step("families signed up online")
            consents.create_consents(self.town, self.today, self.activities.values(), self.counts)
            self.step("consents")
            create_reenrolment_campaign(self.town, self.today, self.school_years["next"], self.staff, self.counts)
            self.step("re-enrolment campaign")
            caf.create_caf_settings(self.town, self.activities.values(), self.counts)
            create_statements(self.town, self.today, self.counts)
            quotients.create_quotients(
                self.town, self.today, self.years["current"].starts_on, self.staff["accueil@demo.test"], self.counts
            )
            self.step("quotients familiaux and API Particulier")
            privacy.create_departed_family(self.town, self.today, self.sites[0], meals[self.sites[0].pk], self.counts)

    def step(self, name: str) -> None:
        now = time.monotonic()
        self.timings.append((name, now - self.last_step))
        self.last_step = now

    # Town, calendar and services

    def create_town(self) -> Town:
        town = Town.objects.create(
            slug=spec.TOWN_SLUG,
            name=spec.TOWN_NAME,
            zone=spec.TOWN_ZONE,
            regie_name=spec.REGIE_NAME,
            address=spec.TOWN_ADDRESS,
            phone=spec.TOWN_PHONE,
            email=spec.TOWN_EMAIL,
            opening_hours=spec.TOWN_HOURS,
        )
        self.counts["towns.Town"] += 1
        return town

    def create_school_years(self) -> None:
        current = current_school_year(self.today, spec.TOWN_ZONE)
        self.years: dict[str, YearSpan] = {
            "previous": school_year(current.start_year - 1, spec.TOWN_ZONE),
            "current": current,
            "next": school_year(current.start_year + 1, spec.TOWN_ZONE),
        }
        rows = [
            SchoolYear(
                town=self.town,
                start_year=year.start_year,
                starts_on=year.starts_on,
                ends_on=year.ends_on,
                zone=spec.TOWN_ZONE,
            )
            for year in self.years.values()
        ]
        self.school_years = dict(zip(self.years, insert(rows, self.counts), strict=True))

    def create_sites(self) -> list[Site]:
        count = 2 if self.children is None else max(2, math.ceil(self.children / CHILDREN_PER_SCHOOL))
        site_names = [spec.JULES_FERRY, spec.MARIE_CURIE] + [school_name(n) for n in range(count - 2)]
        rows = [
            Site(
                town=self.town,
                name=name,
                address=spec.SITE_ADDRESSES.get(name, f"{spec.TOWN_POSTCODE} {spec.TOWN_NAME}"),
            )
            for name in site_names
        ]
        return list(insert(rows, self.counts))

    def create_activities(self) -> dict[tuple[int, str], Activity]:
        rows = [
            Activity(
                town=self.town,
                site=site,
                code=activity.code,
                label=activity.label,
                weekdays=activity.weekdays,
                starts_at=activity.starts_at,
                ends_at=activity.ends_at,
                capacity=activity.capacity_at(site.name),
                needs_validation=activity.needs_validation,
                runs_in_school_holidays=False,
                deadline_kind=activity.deadline_kind,
                deadline_weekday=activity.deadline_weekday,
                deadline_days=activity.deadline_days,
                deadline_time=activity.deadline_time,
                deadline_skips_public_holidays=False,
            )
            for site in self.sites
            for activity in spec.ACTIVITIES
        ]
        return {(row.site_id, row.code): row for row in insert(rows, self.counts)}

    def create_tariffs(self) -> None:
        prices = {activity.code: activity.price for activity in spec.ACTIVITIES}
        valid_from = self.years["previous"].starts_on
        tariffs = [
            Tariff(
                town=self.town,
                activity=activity,
                valid_from=valid_from,
                base_price=prices[activity.code].base,
                non_resident_price=prices[activity.code].non_resident,
                pai_price=prices[activity.code].pai,
                penalty_price=prices[activity.code].penalty,
            )
            for activity in self.activities.values()
        ]
        insert(tariffs, self.counts)
        bands = [
            TariffBand(town=self.town, tariff=tariff, qf_max=qf_max, price=price)
            for tariff in tariffs
            for qf_max, price in prices[tariff.activity.code].bands
        ]
        insert(bands, self.counts)

    def create_absence_reasons(self) -> dict[str, AbsenceReason]:
        rows = [
            AbsenceReason(
                town=self.town,
                code=reason.code,
                label=reason.label,
                billed=reason.billed,
                document_required=reason.document_required,
                position=position,
            )
            for position, reason in enumerate(spec.ABSENCE_REASONS, start=1)
        ]
        return {row.code: row for row in insert(rows, self.counts)}

    def create_staff(self) -> dict[str, User]:
        password = make_password(spec.STAFF_PASSWORD)
        joined = datetime.datetime(self.years["previous"].start_year, 8, 25, 9, tzinfo=PARIS)
        users = [
            User(
                town=self.town,
                email=member.email,
                first_name=member.first_name,
                last_name=member.last_name,
                password=password,
                date_joined=joined,
            )
            for member in spec.STAFF
        ]
        insert(users, self.counts)
        sites = {site.name: site for site in self.sites}
        roles = [
            StaffRole(town=self.town, user=user, role=member.role, site=sites[member.site] if member.site else None)
            for user, member in zip(users, spec.STAFF, strict=True)
        ]
        insert(roles, self.counts)
        return {user.email: user for user in users}

    def create_closures(self) -> list[ClosureSpan]:
        """A past strike, an evening without study in the coming days, a training day later on."""
        jules_ferry, marie_curie = self.sites[0], self.sites[1]
        current = self.years["current"]
        study = self.activities[(marie_curie.pk, "etude")]
        wanted = [
            (
                marie_curie,
                None,
                "Grève du personnel communal : accueil périscolaire fermé",
                current.starts_on + datetime.timedelta(days=28),
                self.today - datetime.timedelta(days=1),
            ),
            (
                marie_curie,
                study,
                "Conseil d'école : pas d'étude ce soir-là",
                self.today + datetime.timedelta(days=3),
                self.horizon,
            ),
            (
                jules_ferry,
                None,
                "Journée pédagogique (formation des enseignants) : école fermée",
                self.today + datetime.timedelta(days=COMING_DAYS + 10),
                self.today + datetime.timedelta(days=70),
            ),
        ]
        rows = []
        for site, activity, label, first, last in wanted:
            probe = activity or self.activities[(site.pk, "repas")]
            day = self.first_open_day(probe, first, last)
            if day is not None:
                rows.append(
                    Closure(town=self.town, site=site, activity=activity, starts_on=day, ends_on=day, label=label)
                )
        insert(rows, self.counts)
        return [ClosureSpan(row.starts_on, row.ends_on, row.site_id, row.activity_id, row.label) for row in rows]

    def first_open_day(self, activity: Activity, first: datetime.date, last: datetime.date) -> datetime.date | None:
        for day in days_between(first, last):
            if self.in_school(day) and self.opens(activity, day, []):
                return day
        return None

    def in_school(self, day: datetime.date) -> bool:
        return any(year.starts_on <= day <= year.ends_on for year in self.years.values())

    def opens(self, activity: Activity, day: datetime.date, closures: list[ClosureSpan]) -> bool:
        return is_open(
            day,
            weekdays=activity.weekdays,
            zone=spec.TOWN_ZONE,
            runs_in_school_holidays=activity.runs_in_school_holidays,
            closures=closures,
            site_id=activity.site_id,
            activity_id=activity.pk,
        )

    # Families

    def create_families(self) -> list[FamilyPlan]:
        population = PopulationBuilder(
            town=self.town,
            sites=self.sites,
            start_year=self.years["current"].start_year,
            rng=self.rng,
            password_hash=make_password(spec.PARENT_PASSWORD),
        )
        plans = population.default_town() if self.children is None else population.large_town(self.children)
        insert([plan.user for plan in plans], self.counts)
        insert([plan.family for plan in plans], self.counts)
        insert([guardian for plan in plans for guardian in plan.guardians], self.counts)
        insert([child_plan.child for plan in plans for child_plan in plan.children], self.counts)
        insert([person for plan in plans for person in plan.authorised], self.counts)
        return plans

    def create_enrollments(self) -> None:
        """Each child in its activities for every school year it is at primary school."""
        rows = []
        for plan in self.plans:
            for child_plan in plan.children:
                for key, year in self.years.items():
                    grade = child_plan.grade + year.start_year - self.years["current"].start_year
                    if not 0 <= grade < len(GRADES):
                        continue
                    for code, pattern in child_plan.activities.items():
                        if code == "etude" and grade < GRADES.index("CP"):
                            continue
                        rows.append(
                            Enrollment(
                                town=self.town,
                                child=child_plan.child,
                                school_year=self.school_years[key],
                                activity=self.activities[(child_plan.child.site_id, code)],
                                weekly_pattern=pattern,
                            )
                        )
        insert(rows, self.counts)

    # Bookings

    def booking_range(self, year: YearSpan) -> tuple[datetime.date, datetime.date]:
        history_start = self.years["current"].starts_on
        if self.children is not None:
            # A whole school year's worth of days, whatever the time of year.
            history_start = min(history_start, self.today - datetime.timedelta(days=365))
        return max(year.starts_on, history_start), min(year.ends_on, self.horizon)

    def open_days(self, key: str) -> dict[int, OpenDays]:
        first, last = self.booking_range(self.years[key])
        days = days_between(first, last) if first <= last else []
        return {
            activity.pk: OpenDays(
                activity, activity.capacity, [day for day in days if self.opens(activity, day, self.closures)]
            )
            for activity in self.activities.values()
        }

    def create_bookings(self) -> None:
        writer = writer_for_connection(self.counts)
        generator = BookingGenerator(
            town=self.town,
            today=self.today,
            rng=self.rng,
            reasons=self.reasons,
            front_desk_id=self.staff["accueil@demo.test"].pk,
            writer=writer,
        )
        enrollments = (
            Enrollment.objects.filter(town=self.town)
            .values_list("child_id", "activity_id", "school_year_id", "weekly_pattern")
            .order_by("pk")
        )
        by_year = {school_year.pk: key for key, school_year in self.school_years.items()}
        open_days = {key: self.open_days(key) for key in self.years}
        refs = {
            child_plan.child.pk: (ChildRef(child_plan.child.pk, plan.family.pk, plan.user.pk), child_plan.fixed)
            for plan in self.plans
            for child_plan in plan.children
        }
        # DUPONT first, so that its days find places before the others'.
        self.create_dupont_history(generator)
        for child_id, activity_id, school_year_id, pattern in enrollments.iterator(chunk_size=5000):
            key = by_year[school_year_id]
            who, fixed = refs[child_id]
            if fixed and key == "previous":
                continue  # Written from the invoices below.
            generator.enrollment(who=who, open_days=open_days[key][activity_id], pattern=pattern)
        writer.flush()

    def create_dupont_history(self, generator: BookingGenerator) -> None:
        """The present days billed on DUPONT's invoices of last school year."""
        dupont = self.plans[0]
        children = {child_plan.child.first_name: child_plan.child for child_plan in dupont.children}
        jules_ferry = self.sites[0]
        # (period, child's first name, activity code) -> handles of the bookings billed.
        self.dupont_billed: dict[tuple[str, str, str], list[Any]] = {}
        for period in ledger.dupont_periods(self.years["previous"].start_year + 1):
            for name, code, days in period.lines:
                activity = self.activities[(jules_ferry.pk, code)]
                open_days = [
                    day
                    for day in days_between(period.starts_on, period.ends_on)
                    if self.opens(activity, day, self.closures)
                ]
                self.dupont_billed[(period.key, name, code)] = generator.present_on_first_days(
                    child_id=children[name].pk, open_days=OpenDays(activity, activity.capacity, open_days), count=days
                )

    # Money

    def create_ledger(self) -> None:
        book = ledger.Ledger(self.town, self.counts)
        dupont = self.plans[0]
        jules_ferry = self.sites[0]
        activities = {code: self.activities[(jules_ferry.pk, code)] for code in spec.ACTIVITY_CODES}
        spring_year = self.years["previous"].start_year + 1
        february_march, april = (
            book.invoice(dupont, period, activities, self.dupont_billed)
            for period in ledger.dupont_periods(spring_year)
        )
        cheque = book.payment(
            dupont,
            amount=february_march.total,
            method=PaymentMethod.CHEQUE,
            received_on=ledger.cheque_day(spring_year),
            reference="Chèque n° 0000231",
            bank="Crédit Agricole",
            settles=[february_march],
            recorded_by_id=self.staff["regie@demo.test"].pk,
        )
        book.deposit(
            [cheque],
            deposited_on=ledger.next_working_day(ledger.cheque_day(spring_year) + datetime.timedelta(days=1)),
            created_by_id=self.staff["regie@demo.test"].pk,
        )
        assert april.total == ledger.TOTALS["april"]


def school_name(n: int) -> str:
    """Names of the schools of large towns, after Jules Ferry and Marie Curie."""
    base = names.SCHOOLS[n % len(names.SCHOOLS)]
    round_ = n // len(names.SCHOOLS)
    return f"École {base}" if round_ == 0 else f"École {base} {round_ + 1}"
