"""Payments by titres at the desk (payments.actions.record_payment with titres): CESU and chèques-vacances, their
numbers, what they may pay, their deposit slips and the statement. Refusals first: a refused payment changes
nothing."""

import datetime
from decimal import Decimal

import pytest

from ardoise.accounts.models import User
from ardoise.audit.models import AuditEntry
from ardoise.billing.actions import issue_credit_note
from ardoise.billing.models import Invoice, Payment, PaymentAllocation
from ardoise.billing.statements import invoice_summary, statement
from ardoise.payments import actions
from ardoise.payments.models import Counter, DepositSlip, Voucher, VoucherActivity
from ardoise.payments.vouchers import Titre
from ardoise.towns.models import Site, Town
from tests.factories import ActivityFactory, SiteFactory
from tests.payments.voucher_fixtures import FEBRUARY, JANUARY, Setting, billed_invoice, voucher_setting

D = Decimal
DAY = datetime.date(2027, 3, 9)


@pytest.fixture
def setting(town: Town, site: Site) -> Setting:
    return voucher_setting(town, site)


def fingerprint(town: Town) -> tuple[object, ...]:
    return (
        list(Payment.objects.filter(town=town).values_list("pk", "amount")),
        list(PaymentAllocation.objects.filter(town=town).values_list("pk", "amount")),
        list(Voucher.objects.filter(town=town).values_list("pk", "number")),
        list(Counter.objects.filter(town=town).values_list("kind", "last_number")),
        AuditEntry.objects.filter(town=town).count(),
    )


def cesu(setting: Setting, staff: User | None, *titres: tuple[str, str], amount: str | None = None) -> Payment:
    given = [Titre(number, D(value)) for number, value in titres]
    return actions.record_payment(
        setting.family,
        staff,
        method="cesu",
        received_on=DAY,
        amount=D(amount) if amount else sum((titre.value for titre in given), D("0.00")),
        titres=given,
    )


# Refusals


def test_it_refuses_cesu_without_its_titres(town: Town, setting: Setting, finance_agent: User) -> None:
    billed_invoice(setting.family, [(setting.young, setting.care, "20.00", JANUARY)])
    before = fingerprint(town)
    with pytest.raises(actions.PaymentRefused, match="Indiquez les titres remis"):
        actions.record_payment(setting.family, finance_agent, method="cesu", received_on=DAY, amount=D("20.00"))
    assert fingerprint(town) == before


def test_it_refuses_titres_that_do_not_add_up_to_the_amount(town: Town, setting: Setting, finance_agent: User) -> None:
    billed_invoice(setting.family, [(setting.young, setting.care, "20.00", JANUARY)])
    before = fingerprint(town)
    with pytest.raises(actions.PaymentRefused, match="Les titres font 15,00"):
        cesu(setting, finance_agent, ("11111111", "10.00"), ("22222222", "5.00"), amount="20.00")
    assert fingerprint(town) == before


def test_it_refuses_a_titre_number_given_twice(town: Town, setting: Setting, finance_agent: User) -> None:
    billed_invoice(setting.family, [(setting.young, setting.care, "20.00", JANUARY)])
    before = fingerprint(town)
    with pytest.raises(actions.PaymentRefused, match="saisi deux fois"):
        cesu(setting, finance_agent, ("11111111", "10.00"), ("11111111", "10.00"))
    assert fingerprint(town) == before


def test_it_refuses_a_titre_already_handed_over_in_the_town(
    town: Town, other_town: Town, setting: Setting, finance_agent: User
) -> None:
    billed_invoice(setting.family, [(setting.young, setting.care, "40.00", JANUARY)])
    first = cesu(setting, finance_agent, ("11111111", "10.00"))
    before = fingerprint(town)
    with pytest.raises(actions.PaymentRefused, match=f"n° 11111111 a déjà été remis \\(règlement {first.number}\\)"):
        cesu(setting, finance_agent, ("22222222", "10.00"), ("11111111", "10.00"))
    assert fingerprint(town) == before
    # Another town's desk knows nothing of this one's titres.
    elsewhere = voucher_setting(other_town, SiteFactory(town=other_town), number="7")
    billed_invoice(elsewhere.family, [(elsewhere.young, elsewhere.care, "10.00", JANUARY)])
    assert cesu(elsewhere, None, ("11111111", "10.00")).amount == D("10.00")


def test_it_refuses_cesu_above_the_part_of_children_under_six_in_accepted_activities(
    town: Town, setting: Setting, finance_agent: User
) -> None:
    invoice = billed_invoice(
        setting.family,
        [
            (setting.young, setting.care, "20.00", JANUARY),  # CESU's
            (setting.older, setting.care, "20.00", JANUARY),  # Emma is 8
            (setting.young, setting.canteen, "30.00", JANUARY),  # meals do not take CESU
        ],
    )
    before = fingerprint(town)
    with pytest.raises(actions.PaymentRefused) as refused:
        cesu(setting, finance_agent, ("11111111", "15.00"), ("22222222", "15.00"))
    assert "moins de 6 ans" in refused.value.message
    assert "au plus 20,00\xa0€" in refused.value.message
    assert "30,00\xa0€" in refused.value.message
    assert fingerprint(town) == before
    assert invoice_summary(invoice).paid == D("0.00")


def test_it_refuses_cesu_when_no_open_invoice_may_take_it(town: Town, setting: Setting, finance_agent: User) -> None:
    billed_invoice(setting.family, [(setting.older, setting.care, "20.00", JANUARY)])
    before = fingerprint(town)
    with pytest.raises(actions.PaymentRefused, match="Aucune facture à payer de la famille ne peut l'être"):
        cesu(setting, finance_agent, ("11111111", "10.00"))
    assert fingerprint(town) == before


def test_it_refuses_cesu_for_an_activity_the_town_no_longer_accepts(
    town: Town, setting: Setting, town_admin: User
) -> None:
    billed_invoice(setting.family, [(setting.young, setting.care, "20.00", JANUARY)])
    actions.set_voucher_activities(town, town_admin, {"cesu": [], "ancv": [setting.care.pk]})
    with pytest.raises(actions.PaymentRefused, match="Aucune facture"):
        cesu(setting, None, ("11111111", "10.00"))


def test_it_refuses_chèques_vacances_above_the_accepted_activities(
    town: Town, setting: Setting, finance_agent: User
) -> None:
    billed_invoice(
        setting.family,
        [(setting.older, setting.wednesday, "25.00", JANUARY), (setting.older, setting.canteen, "30.00", JANUARY)],
    )
    before = fingerprint(town)
    with pytest.raises(actions.PaymentRefused, match="chèques-vacances ne paient que les activités"):
        actions.record_payment(
            setting.family,
            finance_agent,
            method="ancv",
            received_on=DAY,
            amount=D("30.00"),
            titres=[Titre("A1234567", D("20.00")), Titre("A1234568", D("10.00"))],
        )
    assert fingerprint(town) == before


@pytest.mark.parametrize(
    ("titre", "message"),
    [
        (Titre("12/34", D("10.00")), "n'est pas celui d'un titre"),
        (Titre("11111111", D("-10.00")), "montant positif"),
        (Titre("11111111", D("3.333")), "deux décimales"),
    ],
)
def test_it_refuses_a_titre_that_is_not_one(
    town: Town, setting: Setting, finance_agent: User, titre: Titre, message: str
) -> None:
    billed_invoice(setting.family, [(setting.young, setting.care, "20.00", JANUARY)])
    before = fingerprint(town)
    with pytest.raises(actions.PaymentRefused, match=message):
        actions.record_payment(
            setting.family, finance_agent, method="cesu", received_on=DAY, amount=D("10.00"), titres=[titre]
        )
    assert fingerprint(town) == before


def test_it_refuses_titres_on_a_cheque(town: Town, setting: Setting, finance_agent: User) -> None:
    before = fingerprint(town)
    with pytest.raises(actions.PaymentRefused, match="Seuls les CESU"):
        actions.record_payment(
            setting.family,
            finance_agent,
            method="cheque",
            received_on=DAY,
            amount=D("10.00"),
            titres=[Titre("11111111", D("10.00"))],
        )
    assert fingerprint(town) == before


def test_it_refuses_an_activity_of_another_town_in_the_setting(
    town: Town, other_town: Town, setting: Setting, town_admin: User
) -> None:
    foreign = ActivityFactory(town=other_town, site=SiteFactory(town=other_town))
    before = list(VoucherActivity.objects.values_list("pk", "kind", "activity_id"))
    with pytest.raises(actions.PaymentRefused, match="n'est pas celle de la commune"):
        actions.set_voucher_activities(town, town_admin, {"cesu": [setting.care.pk, foreign.pk]})
    assert list(VoucherActivity.objects.values_list("pk", "kind", "activity_id")) == before


# What is recorded


def test_it_records_cesu_of_two_titres_on_the_eligible_part_only(
    town: Town, setting: Setting, finance_agent: User
) -> None:
    invoice = billed_invoice(
        setting.family,
        [(setting.young, setting.care, "20.00", JANUARY), (setting.young, setting.canteen, "30.00", JANUARY)],
    )
    payment = cesu(setting, finance_agent, ("1234 5678", "12.00"), ("12345679", "8.00"))
    assert list(payment.vouchers.order_by("pk").values_list("kind", "number", "value")) == [
        ("cesu", "12345678", D("12.00")),
        ("cesu", "12345679", D("8.00")),
    ]
    assert invoice_summary(invoice).paid == D("20.00")
    assert invoice_summary(invoice).remaining == D("30.00")
    entry = AuditEntry.objects.get(action="payment.record")
    assert entry.changes["titres"] == {"12345678": "12.00", "12345679": "8.00"}


def test_it_pays_the_eligible_part_of_each_invoice_oldest_first(
    town: Town, setting: Setting, finance_agent: User
) -> None:
    january = billed_invoice(
        setting.family,
        [(setting.young, setting.care, "10.00", JANUARY), (setting.older, setting.canteen, "40.00", JANUARY)],
    )
    february = billed_invoice(
        setting.family, [(setting.young, setting.care, "16.00", FEBRUARY)], issued_on=datetime.date(2027, 2, 28)
    )
    cesu(setting, finance_agent, ("11111111", "20.00"))
    assert invoice_summary(january).paid == D("10.00")
    assert invoice_summary(february).paid == D("10.00")
    # Re-allocating keeps to the eligible parts: February first, then what January may take.
    payment = Payment.objects.get(method="cesu")
    actions.reallocate(payment, finance_agent, Invoice.objects.get(pk=february.pk))
    assert invoice_summary(february).paid == D("16.00")
    assert invoice_summary(january).paid == D("4.00")


def test_it_pays_a_line_across_a_sixth_birthday_in_proportion(
    town: Town, setting: Setting, finance_agent: User
) -> None:
    setting.young.birth_date = datetime.date(2021, 1, 7)  # six on Thursday 7 January 2027
    setting.young.save()
    billed_invoice(setting.family, [(setting.young, setting.care, "20.00", JANUARY)])
    assert actions.voucher_room(setting.family, "cesu") == D("10.00")
    with pytest.raises(actions.PaymentRefused, match="au plus 10,00"):
        cesu(setting, finance_agent, ("11111111", "10.01"))


def test_it_never_lets_cesu_and_chèques_vacances_pay_the_same_part_twice(
    town: Town, setting: Setting, finance_agent: User
) -> None:
    billed_invoice(
        setting.family,
        [(setting.young, setting.care, "20.00", JANUARY), (setting.young, setting.canteen, "30.00", JANUARY)],
    )
    cesu(setting, finance_agent, ("11111111", "15.00"))
    assert actions.voucher_room(setting.family, "ancv") == D("5.00")
    with pytest.raises(actions.PaymentRefused, match="au plus 5,00"):
        actions.record_payment(
            setting.family,
            finance_agent,
            method="ancv",
            received_on=DAY,
            amount=D("10.00"),
            titres=[Titre("A1234567", D("10.00"))],
        )


def test_it_puts_cesu_on_a_slip_of_its_own_for_the_crcesu(town: Town, setting: Setting, finance_agent: User) -> None:
    billed_invoice(setting.family, [(setting.young, setting.care, "30.00", JANUARY)])
    titres = cesu(setting, finance_agent, ("11111111", "10.00"), ("22222222", "10.00"))
    cheque = actions.record_payment(setting.family, finance_agent, method="cheque", received_on=DAY, amount=D("5"))
    assert actions.unbanked_payments(town, "cesu") == [titres]
    before = fingerprint(town)
    with pytest.raises(actions.PaymentRefused, match="Choisissez au moins un règlement"):
        actions.create_deposit_slip(town, finance_agent, method="cheque", payment_ids=[titres.pk], deposited_on=DAY)
    with pytest.raises(actions.PaymentRefused, match="pas de cette nature"):
        actions.create_deposit_slip(
            town, finance_agent, method="cesu", payment_ids=[titres.pk, cheque.pk], deposited_on=DAY
        )
    assert fingerprint(town) == before
    slip = actions.create_deposit_slip(town, finance_agent, method="cesu", payment_ids=[titres.pk], deposited_on=DAY)
    assert (slip.method, slip.total, slip.get_method_display()) == ("cesu", D("20.00"), "CESU (remise au CRCESU)")
    assert actions.unbanked_payments(town, "cesu") == []
    assert DepositSlip.objects.filter(town=town).count() == 1


def test_it_names_the_titres_on_the_statement(town: Town, setting: Setting, finance_agent: User) -> None:
    billed_invoice(setting.family, [(setting.young, setting.care, "30.00", JANUARY)])
    cesu(setting, finance_agent, ("11111111", "10.00"), ("22222222", "10.00"))
    actions.record_payment(setting.family, finance_agent, method="cheque", received_on=DAY, amount=D("5"))
    labels = [operation.label for operation in statement(setting.family, 2026).operations]
    assert "Règlement : CESU, titres n° 11111111, 22222222" in labels
    assert "Règlement : Chèque" in labels


def test_it_audits_the_setting_with_what_changed(town: Town, setting: Setting, town_admin: User) -> None:
    actions.set_voucher_activities(
        town, town_admin, {"cesu": [setting.care.pk], "ancv": [setting.care.pk, setting.canteen.pk]}
    )
    entry = AuditEntry.objects.get(action="payments.vouchers")
    assert entry.actor == town_admin
    assert list(entry.changes) == ["ancv"]
    assert entry.changes["ancv"][1] == sorted([setting.care.label, setting.canteen.label])


def test_it_never_lets_released_titres_settle_an_invoice_they_may_not_pay(
    town: Town, setting: Setting, finance_agent: User
) -> None:
    care = billed_invoice(setting.family, [(setting.young, setting.care, "20.00", JANUARY)])
    payment = cesu(setting, finance_agent, ("11111111", "20.00"))
    meals = billed_invoice(
        setting.family, [(setting.young, setting.canteen, "30.00", FEBRUARY)], issued_on=datetime.date(2027, 2, 28)
    )
    # The care invoice is cancelled by a credit note: the titres' money is released, and meals may not take it.
    issue_credit_note(care, D("20.00"), "Garderie fermée", actor=finance_agent, today=DAY)
    assert invoice_summary(meals).paid == D("0.00")
    assert actions.free_credit(setting.family) == D("20.00")
    # A later care invoice of Léo's takes it.
    later = billed_invoice(
        setting.family, [(setting.young, setting.care, "12.00", FEBRUARY)], issued_on=datetime.date(2027, 3, 1)
    )
    actions.settle_open_invoices(setting.family)
    assert invoice_summary(later).paid == D("12.00")
    assert invoice_summary(meals).paid == D("0.00")
    assert payment.allocations.get().invoice_id == later.pk


def test_it_frees_the_invoice_and_the_titres_of_a_reversed_cesu(
    town: Town, setting: Setting, finance_agent: User
) -> None:
    invoice = billed_invoice(setting.family, [(setting.young, setting.care, "20.00", JANUARY)])
    payment = cesu(setting, finance_agent, ("11111111", "20.00"))
    actions.reverse_payment(payment, finance_agent, reason="entry_error", reversed_on=DAY)
    assert invoice_summary(invoice).paid == D("0.00")
    assert not Voucher.objects.get(number="11111111").active
    # An entry error: the same titre is recorded again, for the right amount; it stands once more.
    again = cesu(setting, finance_agent, ("11111111", "20.00"))
    assert invoice_summary(invoice).paid == D("20.00")
    with pytest.raises(actions.PaymentRefused, match=f"déjà été remis \\(règlement {again.number}\\)"):
        cesu(setting, finance_agent, ("11111111", "20.00"))
