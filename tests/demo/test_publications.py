"""The demo's documents are made by the project's PDF engine (billing.pdf), not by a second one."""

from typing import Any

from ardoise.billing.pdf import minimal_pdf
from ardoise.demo import publications


class Recorder:
    """A PDF engine that keeps the HTML it was given."""

    pages: list[str] = []

    def render(self, html: str) -> bytes:
        Recorder.pages.append(html)
        return minimal_pdf()


def test_it_renders_the_documents_with_the_configured_pdf_engine(settings: Any) -> None:
    settings.ARDOISE_PDF_RENDERER = "tests.demo.test_publications.Recorder"
    Recorder.pages = []
    pdf = publications.document_pdf(["Menus de la quinzaine, École <Ferry>", "Mardi 1er décembre : Lasagnes"])
    assert pdf == minimal_pdf()
    (html,) = Recorder.pages
    assert "<h1>Menus de la quinzaine, École &lt;Ferry&gt;</h1>" in html
    assert "<p>Mardi 1er décembre : Lasagnes</p>" in html
