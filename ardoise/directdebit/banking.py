"""Bank identifiers of SEPA direct debit, as pure functions: no database.

- IBAN and BIC are checked with schwifty (structure, country, check digits,
  national checksum where the country has one) and kept in their compact form.
- The creditor identifier (ICS, *identifiant créancier SEPA*) has no library:
  its check digits are ISO 7064 MOD 97-10 over the national identifier, the
  country code and "00" (the creditor business code, 3 characters, is left out).
- Text in a pain.008 file is limited to the SEPA Latin character set:
  `sepa_text` transliterates accents, ligatures and typographic quotes.

Errors are `BankDetailsRefused` with a French message for the person who typed.
"""

import re
import unicodedata

from django.utils.translation import gettext as _
from schwifty import BIC, IBAN
from schwifty import exceptions as schwifty_errors


class BankDetailsRefused(ValueError):
    """An IBAN, a BIC or a creditor identifier refused, with a French message."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _compact(value: str) -> str:
    return re.sub(r"[\s\-.]", "", value or "").upper()


def check_iban(value: str) -> str:
    """The IBAN in compact form (FR7630006000011234567890189), or BankDetailsRefused."""
    compact = _compact(value)
    if not compact:
        raise BankDetailsRefused(_("Indiquez l'IBAN."))
    try:
        iban = IBAN(compact)
    except schwifty_errors.InvalidCountryCode:
        raise BankDetailsRefused(
            _("Le pays de cet IBAN est inconnu (il commence par deux lettres, FR en France).")
        ) from None
    except schwifty_errors.InvalidLength:
        raise BankDetailsRefused(_("Cet IBAN n'a pas la bonne longueur (27 caractères en France).")) from None
    except schwifty_errors.InvalidChecksumDigits:
        raise BankDetailsRefused(_("Cet IBAN est erroné : sa clé de contrôle ne correspond pas.")) from None
    except (schwifty_errors.InvalidBBANChecksum, schwifty_errors.NationalChecksumNotVerified):
        raise BankDetailsRefused(_("Cet IBAN est erroné : la clé RIB ne correspond pas.")) from None
    except schwifty_errors.SchwiftyException:
        raise BankDetailsRefused(_("Cet IBAN n'est pas valide.")) from None
    if not iban.in_sepa_zone:
        raise BankDetailsRefused(_("Ce compte n'est pas dans la zone SEPA : il ne peut pas être prélevé.")) from None
    return str(iban.compact)


def check_bic(value: str, iban: str = "") -> str:
    """The BIC (8 or 11 characters), or the one of the IBAN's bank when left blank; or BankDetailsRefused."""
    compact = _compact(value)
    if not compact:
        found = IBAN(iban).bic if iban else None
        if found is None:
            raise BankDetailsRefused(_("Indiquez le BIC de la banque (8 ou 11 caractères)."))
        return str(found.compact)
    try:
        bic = BIC(compact)
    except schwifty_errors.InvalidLength:
        raise BankDetailsRefused(_("Un BIC a 8 ou 11 caractères.")) from None
    except schwifty_errors.InvalidCountryCode:
        raise BankDetailsRefused(_("Le pays de ce BIC est inconnu (5e et 6e caractères).")) from None
    except schwifty_errors.SchwiftyException:
        raise BankDetailsRefused(_("Ce BIC n'est pas valide.")) from None
    return str(bic.compact)


def mask_iban(iban: str) -> str:
    """An IBAN as shown to parents: country and key, then the last four characters only.

    "FR7630006000011234567890189" → "FR76 **** **** **** **** ***0 189".
    """
    compact = _compact(iban)
    if len(compact) < 8:
        return "*" * len(compact)
    hidden = compact[:4] + "*" * (len(compact) - 8) + compact[-4:]
    return " ".join(hidden[start : start + 4] for start in range(0, len(hidden), 4))


# Creditor identifier (ICS)

# Country, 2 check digits, creditor business code (3), national identifier (up to 28).
_ICS = re.compile(r"^([A-Z]{2})(\d{2})([A-Z0-9]{3})([A-Z0-9]{1,28})$")


def mod97_digits(text: str) -> int:
    """ISO 7064 MOD 97-10 check digits of `text` (letters count A=10 … Z=35) followed by "00"."""
    number = int("".join(str(int(char, 36)) for char in text + "00"))
    return 98 - number % 97


def ics_check_digits(country: str, national_id: str) -> int:
    return mod97_digits(national_id + country)


def check_ics(value: str) -> str:
    """The creditor identifier (e.g. FR72ZZZ123456) in compact form, or BankDetailsRefused."""
    compact = _compact(value)
    if not compact:
        raise BankDetailsRefused(_("Indiquez l'identifiant créancier SEPA (ICS)."))
    match = _ICS.match(compact)
    if match is None:
        raise BankDetailsRefused(
            _(
                "Un identifiant créancier SEPA s'écrit : le pays (2 lettres), 2 chiffres de contrôle, "
                "3 caractères et l'identifiant national (FR72ZZZ123456)."
            )
        )
    country, digits, _business, national = match.groups()
    if country == "FR" and len(national) != 6:
        raise BankDetailsRefused(_("Un identifiant créancier français a 13 caractères (FR72ZZZ123456)."))
    if int(digits) != ics_check_digits(country, national):
        raise BankDetailsRefused(_("Cet identifiant créancier est erroné : sa clé de contrôle ne correspond pas."))
    return compact


# SEPA character set

# Characters of the SEPA Latin set (EPC guidance), besides letters and digits.
_SEPA_PUNCTUATION = "/-?:().,'+ "
_REPLACEMENTS = str.maketrans(
    {
        "’": "'",
        "‘": "'",
        "`": "'",
        "´": "'",
        "«": "'",
        "»": "'",
        "“": "'",
        "”": "'",
        '"': "'",
        "–": "-",
        "—": "-",
        "_": "-",
        "&": "+",
        "\u00a0": " ",
        "\u202f": " ",
        "œ": "oe",
        "Œ": "OE",
        "æ": "ae",
        "Æ": "AE",
        "ß": "ss",
        "ø": "o",
        "Ø": "O",
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
    }
)


def sepa_text(value: str, max_length: int) -> str:
    """`value` in the SEPA Latin character set, at most `max_length` characters.

    Accented letters lose their accent ("Chloé" → "Chloe"), ligatures are spelt
    out, typographic quotes become apostrophes, anything else becomes a space.
    """
    decomposed = unicodedata.normalize("NFKD", (value or "").translate(_REPLACEMENTS))
    kept = []
    for char in decomposed:
        if unicodedata.combining(char):
            continue
        if (char.isascii() and char.isalnum()) or char in _SEPA_PUNCTUATION:
            kept.append(char)
        else:
            kept.append(" ")
    return re.sub(r"\s+", " ", "".join(kept)).strip()[:max_length].strip()


def sepa_identifier(value: str, max_length: int = 35) -> str:
    """An identifier (message, batch, end-to-end, mandate): SEPA characters without spaces,
    never starting or ending with "/" nor holding "//" (EPC rules)."""
    text = sepa_text(value, 200).replace(" ", "-")
    text = re.sub(r"/{2,}", "/", text).strip("/")
    return text[:max_length].strip("/")
