"""The API Particulier client against the fake on loopback: what it sends, and what each answer means."""

import datetime

import pytest

from ardoise.quotients.api_particulier import ENDPOINT, Access, Identity, fetch_quotient, interpret
from tests.quotients import fake_api_particulier as fake
from tests.quotients.conftest import SIRET
from tests.quotients.fake_api_particulier import FakeApiParticulier

ELODIE = Identity("Bernard", ("Elodie", "Judith"), datetime.date(1990, 3, 18), "F", "08480")


def access(server: FakeApiParticulier, token: str = fake.TOKEN, timeout: float = 2.0) -> Access:
    return Access(base_url=server.url + "/", token=token, recipient=SIRET, timeout=timeout)


def test_it_finds_a_caf_quotient_and_sends_the_token_in_the_header_only(fake_api):
    fake_api.requests.clear()
    answer = fetch_quotient(access(fake_api), ELODIE)
    assert (answer.outcome, answer.value, answer.provider) == ("found", 650, "caf")
    assert answer.reference_month == datetime.date(2023, 6, 1)
    [received] = fake_api.requests
    assert received.path == ENDPOINT
    assert received.headers["Authorization"] == f"Bearer {fake.TOKEN}"
    assert fake.TOKEN not in str(received.query)
    assert received.query["recipient"] == [SIRET]
    assert received.query["nomNaissance"] == ["BERNARD"]
    assert received.query["prenoms[]"] == ["ELODIE", "JUDITH"]
    assert received.query["anneeDateNaissance"] == ["1990"]
    assert received.query["moisDateNaissance"] == ["3"]
    assert received.query["jourDateNaissance"] == ["18"]
    assert received.query["sexeEtatCivil"] == ["F"]
    assert received.query["codeCogInseeCommuneNaissance"] == ["08480"]
    assert received.query["codeCogInseePaysNaissance"] == ["99100"]


def test_it_finds_an_msa_quotient(fake_api):
    roux = Identity("ROUX", ("JEANNE", "STEPHANIE"), datetime.date(1987, 6, 27), "F")
    answer = fetch_quotient(access(fake_api), roux)
    assert (answer.outcome, answer.value, answer.provider) == ("found", 150, "msa")


def test_it_says_not_found_with_the_api_s_words(fake_api):
    unknown = Identity("DUPONT", ("ALEXIS",), datetime.date(1982, 12, 27), "F")
    answer = fetch_quotient(access(fake_api), unknown)
    assert answer.outcome == "not_found"
    assert answer.message == "Le dossier allocataire n'a pas été trouvé auprès de la CNAV. (code 37003)"


def test_it_says_the_token_is_refused(fake_api):
    answer = fetch_quotient(access(fake_api, token="wrong"), ELODIE)
    assert (answer.outcome, answer.status, answer.token_refused) == ("error", 401, True)
    assert "jeton" in answer.message


def test_it_reports_the_provider_down_as_an_error(fake_api):
    answer = fetch_quotient(access(fake_api), Identity("PANNE", ("A",), datetime.date(1980, 1, 1), "M"))
    assert (answer.outcome, answer.status, answer.token_refused) == ("error", 502, False)
    assert "indisponible" in answer.message


def test_it_gives_up_after_the_timeout(fake_api):
    answer = fetch_quotient(access(fake_api, timeout=0.3), Identity("LENT", ("A",), datetime.date(1980, 1, 1), "M"))
    assert answer.outcome == "error"
    assert "à temps" in answer.message


def test_it_reports_a_server_nobody_answers_on(fake_api):
    closed = Access(base_url="http://127.0.0.1:9", token="x", recipient=SIRET, timeout=0.5)
    answer = fetch_quotient(closed, ELODIE)
    assert answer.outcome == "error"
    assert "injoignable" in answer.message


@pytest.mark.parametrize(
    ("status", "body", "outcome"),
    [
        (200, b"not json", "error"),
        (200, b'{"data": {}}', "error"),
        (200, b'{"data": {"quotient_familial": {"fournisseur": "CNAF", "valeur": "650"}}}', "error"),
        (200, b'{"data": {"quotient_familial": {"fournisseur": "XYZ", "valeur": 650}}}', "error"),
        (200, b'{"data": {"quotient_familial": {"fournisseur": "MSA", "valeur": 0}}}', "found"),
        (422, b'{"errors": [{"code": "00210", "detail": "Le param\\u00e8tre est invalide."}]}', "error"),
        (429, b"", "error"),
        (503, b"<html></html>", "error"),
        (404, b"{}", "not_found"),
    ],
)
def test_it_maps_every_answer_without_raising(status, body, outcome):
    assert interpret(status, body).outcome == outcome
