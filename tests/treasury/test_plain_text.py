"""How text is written in the Magnus and JVS files: one line of printable ASCII, upper case, within its width."""

from hypothesis import given
from hypothesis import strategies as st

from ardoise.treasury.plain_text import ascii_text, upper_text


def test_it_folds_accents_and_ligatures():
    written = upper_text("Hélène Lœuf-Æsir, rue de l’Église — bât. ß", 60)

    assert written == "HELENE LOEUF-AESIR, RUE DE L'EGLISE - BAT. SS"


def test_it_makes_one_line_of_a_multi_line_address():
    assert ascii_text("12 rue des Lilas\r\n\tBâtiment B\u00a0 ") == "12 rue des Lilas Batiment B"


def test_it_cuts_to_the_width_without_a_trailing_space():
    assert upper_text("Marie Anne", 6) == "MARIE"


@given(st.text(), st.integers(min_value=1, max_value=200))
def test_it_always_writes_printable_ascii_within_the_width(value, width):
    written = upper_text(value, width)

    assert len(written) <= width
    assert all(" " <= char <= "~" for char in written)
    assert "  " not in written
    assert written == written.strip()
    assert written == written.upper()
