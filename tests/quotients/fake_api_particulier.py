"""A fake of API Particulier's quotient familial endpoint (v3), served on loopback for tests and the demo.

Its answers are those of the public documentation's test cases (etalab's staging data for
`api_particulier_v3_cnav_quotient_familial_with_civility`): ELODIE BERNARD, born March 1990, has a CNAF QF
of 650; JEANNE ROUX, born June 1987, an MSA QF of 150; an identity the caisse does not know answers 404
code 37003 ("Dossier allocataire absent CNAV"). Three more identities stand for what the documentation
describes without an example body: PANNE (the provider is down: 502), LENT (answers after the client's
timeout) and an unknown token (401).

    server = FakeApiParticulier.start()   # http://127.0.0.1:<port>
    server.url, server.requests           # what was asked (path, query, headers)
    server.stop()

`python -m tests.quotients.fake_api_particulier 8089` serves it for the demo town (token "test-token").
"""

import json
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

TOKEN = "test-token"
PATH = "/v3/dss/quotient_familial/identite"
# Seconds LENT waits before answering (beyond the clients' timeout in tests).
SLOW_SECONDS = 3.0


def _person(birth_name: str, first_names: str, born: str, sex: str) -> dict[str, Any]:
    return {"nom_naissance": birth_name, "nom_usage": None, "prenoms": first_names, "date_naissance": born, "sexe": sex}


# (birth name, first first name, birth year, birth month) → (status, body)
FOUND: dict[tuple[str, str, int, int], tuple[int, dict[str, Any]]] = {
    ("BERNARD", "ELODIE", 1990, 3): (
        200,
        {
            "data": {
                "allocataires": [_person("BERNARD", "ELODIE JUDITH GERTRUDE", "1990-03-18", "F")],
                "enfants": [_person("BERNARD", "LEO", "1990-04-20", "M")],
                "adresse": {
                    "destinataire": "Madame BERNARD ELODIE",
                    "complement_information": None,
                    "complement_information_geographique": None,
                    "numero_libelle_voie": "1 RUE MONTORGUEIL",
                    "lieu_dit": None,
                    "code_postal_ville": "75002 PARIS",
                    "pays": "FRANCE",
                },
                "quotient_familial": {
                    "fournisseur": "CNAF",
                    "valeur": 650,
                    "annee": 2023,
                    "mois": 6,
                    "annee_calcul": 2024,
                    "mois_calcul": 12,
                },
            },
            "links": {},
            "meta": {},
        },
    ),
    ("ROUX", "JEANNE", 1987, 6): (
        200,
        {
            "data": {
                "quotient_familial": {
                    "fournisseur": "MSA",
                    "valeur": 150,
                    "annee": 2023,
                    "mois": 5,
                    "annee_calcul": 2024,
                    "mois_calcul": 12,
                },
                "allocataires": [
                    _person("ROUX", "JEANNE STEPHANIE", "1987-06-27", "F"),
                    _person("ROUX", "LOIC NATHAN", "1979-05-19", "M"),
                ],
                "enfants": [_person("ROUX", "ALEXIS VINCENT", "2006-04-20", "M")],
                "adresse": None,
            },
            "links": {},
            "meta": {},
        },
    ),
}

NOT_FOUND: dict[str, Any] = {
    "errors": [
        {
            "code": "37003",
            "title": "Dossier allocataire absent CNAV",
            "detail": "Le dossier allocataire n'a pas été trouvé auprès de la CNAV.",
            "source": None,
            "meta": {"provider": "CNAV"},
        }
    ]
}
PROVIDER_DOWN: dict[str, Any] = {
    "errors": [
        {
            "code": "37999",
            "title": "Erreur de fournisseur de donnée",
            "detail": "Le fournisseur de données est indisponible, veuillez réessayer ultérieurement.",
            "source": None,
            "meta": {"provider": "CNAV"},
        }
    ]
}
BAD_TOKEN: dict[str, Any] = {
    "errors": [
        {
            "code": "00101",
            "title": "Interdiction d'accès",
            "detail": "Votre jeton est invalide ou a expiré.",
            "source": None,
            "meta": {},
        }
    ]
}
MISSING: dict[str, Any] = {
    "errors": [
        {
            "code": "00210",
            "title": "Entité non traitable",
            "detail": "Le paramètre recipient doit être un numéro de SIRET valide.",
            "source": {"parameter": "recipient"},
            "meta": {},
        }
    ]
}


@dataclass
class Received:
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]


class _Handler(BaseHTTPRequestHandler):
    server: "_Server"

    def do_GET(self) -> None:
        parsed = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(parsed.query)
        self.server.fake.requests.append(Received(parsed.path, query, dict(self.headers.items())))
        if parsed.path != PATH:
            self._answer(404, {"errors": [{"code": "00404", "title": "Route inconnue", "detail": parsed.path}]})
            return
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            self._answer(401, BAD_TOKEN)
            return
        if len(query.get("recipient", [""])[0]) != 14:
            self._answer(422, MISSING)
            return
        name = query.get("nomNaissance", [""])[0].upper()
        first = (query.get("prenoms[]", [""])[0].split() or [""])[0].upper()
        if name == "LENT":
            time.sleep(SLOW_SECONDS)
        if name == "PANNE":
            self._answer(502, PROVIDER_DOWN)
            return
        try:
            key = (name, first, int(query["anneeDateNaissance"][0]), int(query["moisDateNaissance"][0]))
        except (KeyError, ValueError):
            self._answer(404, NOT_FOUND)
            return
        status, body = FOUND.get(key, (404, NOT_FOUND))
        self._answer(status, body)

    def _answer(self, status: int, body: dict[str, Any]) -> None:
        content = json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (LENT)
            pass

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: "FakeApiParticulier"


@dataclass
class FakeApiParticulier:
    server: _Server
    thread: threading.Thread
    requests: list[Received] = field(default_factory=list)
    TOKEN: ClassVar[str] = TOKEN

    @classmethod
    def start(cls, port: int = 0) -> "FakeApiParticulier":
        server = _Server(("127.0.0.1", port), _Handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        fake = cls(server, thread)
        server.fake = fake
        thread.start()
        return fake

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


if __name__ == "__main__":
    fake = FakeApiParticulier.start(int(sys.argv[1]) if len(sys.argv) > 1 else 8089)
    print(f"Fake API Particulier on {fake.url} (token {TOKEN})")  # noqa: T201
    try:
        fake.thread.join()
    except KeyboardInterrupt:
        fake.stop()
