"""IBAN, BIC and creditor identifier checks, masking and the SEPA character set (no database)."""

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ardoise.directdebit.banking import (
    BankDetailsRefused,
    check_bic,
    check_iban,
    check_ics,
    ics_check_digits,
    mask_iban,
    sepa_identifier,
    sepa_text,
)

SEPA_CHARACTERS = set(string.ascii_letters + string.digits + "/-?:().,'+ ")


def test_it_keeps_a_valid_iban_compact():
    assert check_iban("fr76 3000 6000 0112 3456 7890 189") == "FR7630006000011234567890189"
    assert check_iban("DE89 3704 0044 0532 0130 00") == "DE89370400440532013000"


@pytest.mark.parametrize(
    ("iban", "message"),
    [
        ("", "Indiquez l'IBAN."),
        ("FR7630006000011234567890188", "clé de contrôle"),
        ("FR76300060000112345678901", "longueur"),
        ("XX7630006000011234567890189", "pays"),
        ("FR76 3000 6000 01!2 3456 7890 189", "IBAN"),
        ("BR1800360305000010009795493C1", "zone SEPA"),
    ],
)
def test_it_refuses_a_wrong_iban_in_french(iban, message):
    with pytest.raises(BankDetailsRefused) as refused:
        check_iban(iban)
    assert message in refused.value.message


def test_it_takes_the_bic_of_the_ibans_bank_when_left_blank():
    assert check_bic("", "FR7630006000011234567890189") == "AGRIFRPPXXX"
    assert check_bic("bnpa fr pp") == "BNPAFRPP"


@pytest.mark.parametrize(
    ("bic", "message"),
    [
        ("BNPAFR", "8 ou 11"),
        ("BNPAXXPP", "pays"),
        ("BNPA-FR-PP-X", "8 ou 11"),
        ("BNPAFRPP1", "8 ou 11"),
        ("BNPAFR!P", "BIC"),
    ],
)
def test_it_refuses_a_wrong_bic_in_french(bic, message):
    with pytest.raises(BankDetailsRefused) as refused:
        check_bic(bic)
    assert message in refused.value.message


def test_it_asks_for_a_bic_it_cannot_find():
    with pytest.raises(BankDetailsRefused, match="Indiquez le BIC"):
        check_bic("", "")


def test_it_checks_the_creditor_identifiers_digits():
    assert check_ics("fr72 zzz 123456") == "FR72ZZZ123456"
    assert check_ics("DE98ZZZ09999999999") == "DE98ZZZ09999999999"  # the Bundesbank's test identifier
    for wrong, message in [
        ("FR12ZZZ123456", "clé de contrôle"),
        ("FR72ZZZ12345", "13 caractères"),
        ("72FRZZZ123456", "le pays (2 lettres)"),
        ("", "Indiquez"),
    ]:
        with pytest.raises(BankDetailsRefused) as refused:
            check_ics(wrong)
        assert message in refused.value.message


@given(st.text(alphabet=string.ascii_uppercase + string.digits, min_size=6, max_size=6), st.sampled_from("ZAB"))
def test_it_accepts_every_identifier_with_its_computed_digits(national, business):
    digits = ics_check_digits("FR", national)
    identifier = f"FR{digits:02d}{business * 3}{national}"
    assert check_ics(identifier) == identifier


def test_it_masks_the_iban_shown_to_parents():
    assert mask_iban("FR7630006000011234567890189") == "FR76 **** **** **** **** ***0 189"
    assert mask_iban("DE89370400440532013000") == "DE89 **** **** **** **30 00"


def test_it_transliterates_to_the_sepa_character_set():
    assert sepa_text("Chloé O’Brien-Lefèvre & Cœur", 70) == "Chloe O'Brien-Lefevre + Coeur"
    assert sepa_text("Zoë «Ñoño» Straße", 70) == "Zoe 'Nono' Strasse"
    assert sepa_text("Élodie    N'Diaye", 5) == "Elodi"


@given(st.text(max_size=200))
def test_it_never_lets_a_character_outside_the_set_through(text):
    result = sepa_text(text, 70)
    assert set(result) <= SEPA_CHARACTERS
    assert len(result) <= 70


@given(st.text(max_size=80))
def test_identifiers_never_start_or_end_with_a_slash_nor_hold_two(text):
    result = sepa_identifier(text)
    assert " " not in result
    assert "//" not in result
    assert not result.startswith("/")
    assert not result.endswith("/")
    assert len(result) <= 35
