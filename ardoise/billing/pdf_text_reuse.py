"""Draw each text with the Pango layout its line was laid out with, instead of laying it out again.

WeasyPrint lays out every text box twice. While breaking lines it shapes the text with Pango
(`text.line_break.split_first_line`), then throws that Pango layout away (`Layout.deactivate`); when drawing
it builds a new one from the same style and text (`Layout.reactivate`) and asks Pango for the first line
again, in single-paragraph mode (`draw.text.draw_first_line`). For an invoice's ~76 text boxes that second
layout was about a fifth of the PDF writing's CPU.

Here a layout is kept when it is deactivated and handed back when the same text box is drawn, provided that
drawing would have built the very same layout: the same style object, no justification spacing (drawing adds
it to the word spacing), a text without paragraph separators (so that single-paragraph mode changes nothing;
it is set when the text is, before Pango computes the lines, and drawing's own call is then a no-op) and
one line only (a kept layout may still carry the width it was broken at; a single line does not depend on
it). Anything else goes through WeasyPrint's own code. The PDFs are byte for byte the same (tested on
invoices of one and several pages, with wrapped labels, pre-line cells and letter-spaced headings).

This patches WeasyPrint's internals, so it is installed only on the version it was written and tested for
(`WEASYPRINT_VERSION`, pinned in requirements.lock). On another version nothing is patched: the rendering is
WeasyPrint's own, only slower, and tests/billing/test_pdf_text_reuse.py fails until this module has been
checked against the new version (read `text/line_break.py` and `draw/text.py`) and the constant moved.
"""

import threading

WEASYPRINT_VERSION = "70.0"


def _one_paragraph(text: str) -> bool:
    """Whether `text` has none of Pango's paragraph separators (pango_find_paragraph_boundary): in
    single-paragraph mode they would be drawn as glyphs instead of ending the line."""
    return "\n" not in text and "\r" not in text and "\u2029" not in text


_lock = threading.Lock()
installed = False
# Tests switch the reuse off to compare with WeasyPrint's own drawing.
enabled = True
# Text boxes drawn with their kept layout, for tests (a patch that silently stopped applying must fail one).
reused = 0


def install() -> bool:
    """Patch WeasyPrint's `Layout` once per process, if it is the version this was written for. True if patched."""
    global installed
    import weasyprint
    from weasyprint.text import line_break
    from weasyprint.text.ffi import ffi, pango

    if weasyprint.__version__ != WEASYPRINT_VERSION:
        return False
    with _lock:
        if installed:
            return True
        layout_class = line_break.Layout
        original_set_text = layout_class.set_text
        original_deactivate = layout_class.deactivate
        original_reactivate = layout_class.reactivate

        def set_text(self: line_break.Layout, text: str, justify: bool = False) -> None:
            original_set_text(self, text, justify)
            if enabled and _one_paragraph(self.text):
                # Before Pango computes any line: the lines it computes now are the ones drawing asks for.
                pango.pango_layout_set_single_paragraph_mode(self.layout, True)

        def deactivate(self: line_break.Layout) -> None:
            single_paragraph = enabled and _one_paragraph(self.text)
            self._ardoise_kept = (self.layout, self.language, self.style) if single_paragraph else None
            original_deactivate(self)

        def reactivate(self: line_break.Layout, style: object) -> None:
            global reused
            kept = getattr(self, "_ardoise_kept", None)
            self._ardoise_kept = None
            if (
                kept is not None
                and enabled
                and kept[2] is style
                and not self.justification_spacing
                and pango.pango_layout_get_line_readonly(kept[0], 1) == ffi.NULL
            ):
                self.layout, self.language, self.style = kept
                reused += 1
                return
            original_reactivate(self, style)

        layout_class.set_text = set_text
        layout_class.deactivate = deactivate
        layout_class.reactivate = reactivate
        installed = True
    return True
