"""A fake of PayFiP's SOAP web service on loopback, for eopayment's payfip_ws backend.

It serves eopayment's own copy of the WSDL (with the service address pointed at
itself) and its schemas, answers `creerPaiementSecurise` with a new idOp and
`recupererDetailPaiementSecurise` with what the test set for that idOp — or the
fault PayFiP sends for an unknown operation (P1). Every call is recorded.
"""

import itertools
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import eopayment

RESOURCES = Path(eopayment.__file__).parent / "resource"
SERVICE_NS = "http://securite.service.tpa.cp.finances.gouv.fr/services/mas_securite/contrat_paiement_securise/PaiementSecuriseService"
# RecupererDetailPaiementSecuriseResponse's elements, in the schema's order.
DETAIL_FIELDS = (
    "dattrans",
    "exer",
    "heurtrans",
    "idOp",
    "mel",
    "montant",
    "numauto",
    "numcli",
    "objet",
    "refdet",
    "resultrans",
    "saisie",
)
ENVELOPE = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>{}</soap:Body></soap:Envelope>'
)


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


@dataclass
class FakePayFiP:
    base_url: str = ""
    # idOp -> fields of RecupererDetailPaiementSecuriseResponse (resultrans, montant, refdet, …)
    operations: dict[str, dict[str, str]] = field(default_factory=dict)
    # (operation name, {field: value}) of every SOAP call received.
    calls: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    _ids: Iterable[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def wsdl_url(self) -> str:
        return f"{self.base_url}/PaiementSecuriseService.wsdl"

    def pay(self, idop: str, **overrides: str) -> None:
        """The parent paid on PayFiP's page: the operation now reads as paid by card."""
        self.operations[idop].update({"resultrans": "P", "numauto": "112233", **overrides})

    def refuse(self, idop: str) -> None:
        self.operations[idop].update({"resultrans": "R", "numauto": ""})

    def calls_of(self, name: str) -> list[dict[str, str]]:
        return [fields for called, fields in self.calls if called == name]

    # The WSGI application

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        path = environ["PATH_INFO"]
        if environ["REQUEST_METHOD"] == "GET":
            name = path.lstrip("/")
            if not (RESOURCES / name).is_file():
                start_response("404 Not Found", [("Content-Type", "text/plain")])
                return [b"not found"]
            text = (RESOURCES / name).read_text()
            text = text.replace("https://www.payfip.gouv.fr/tpa/services/securite", f"{self.base_url}/soap")
            start_response("200 OK", [("Content-Type", "text/xml")])
            return [text.encode()]
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        status, answer = self.answer(body)
        start_response(status, [("Content-Type", "text/xml; charset=utf-8")])
        return [ENVELOPE.format(answer).encode()]

    def answer(self, body: bytes) -> tuple[str, str]:
        root = ET.fromstring(body)  # noqa: S314 (what eopayment sends, in a test)
        operation = next(element for element in root.iter() if _local(element.tag).endswith("Securise"))
        name = _local(operation.tag)
        fields = {_local(element.tag): element.text or "" for element in operation.iter() if len(element) == 0}
        self.calls.append((name, fields))
        if name == "creerPaiementSecurise":
            idop = f"fake-idop-{next(self._ids):04d}"  # type: ignore[call-overload]
            self.operations[idop] = {
                "idOp": idop,
                "numcli": fields.get("numcli", ""),
                "exer": fields.get("exer", ""),
                "refdet": fields.get("refdet", ""),
                "montant": fields.get("montant", ""),
                "mel": fields.get("mel", ""),
                "objet": fields.get("objet", ""),
                "saisie": fields.get("saisie", ""),
                "resultrans": "",
                "numauto": "",
                "dattrans": "",
                "heurtrans": "",
            }
            return (
                "200 OK",
                f'<ns2:creerPaiementSecuriseResponse xmlns:ns2="{SERVICE_NS}">'
                f"<return><idOp>{idop}</idOp></return></ns2:creerPaiementSecuriseResponse>",
            )
        if name == "recupererDetailPaiementSecurise":
            idop = fields.get("idOp", "")
            found = self.operations.get(idop)
            if found is None or not found["resultrans"]:
                # PayFiP: P1 unknown operation; P5 not paid yet.
                code = "P1" if found is None else "P5"
                return "500 Internal Server Error", (
                    "<soap:Fault><faultcode>soap:Server</faultcode>"
                    "<faultstring>fr.gouv.finances.cp.tpa.webservice.exceptions.FonctionnelleErreur</faultstring>"
                    f'<detail><ns2:FonctionnelleErreur xmlns:ns2="{SERVICE_NS}"><code>{code}</code>'
                    "<descriptif>Operation inconnue ou en cours</descriptif><severite>2</severite>"
                    "</ns2:FonctionnelleErreur></detail></soap:Fault>"
                )
            inner = "".join(f"<{key}>{found[key]}</{key}>" for key in DETAIL_FIELDS if found.get(key))
            return "200 OK", (
                f'<ns2:recupererDetailPaiementSecuriseResponse xmlns:ns2="{SERVICE_NS}">'
                f"<return>{inner}</return></ns2:recupererDetailPaiementSecuriseResponse>"
            )
        return (
            "500 Internal Server Error",
            "<soap:Fault><faultcode>soap:Client</faultcode><faultstring>?</faultstring></soap:Fault>",
        )


class _Server(WSGIServer):
    daemon_threads = True


def start() -> tuple[FakePayFiP, WSGIServer, threading.Thread]:
    fake = FakePayFiP()
    server = make_server("127.0.0.1", 0, fake, server_class=_Server, handler_class=_QuietHandler)
    fake.base_url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return fake, server, thread
