"""The sign-up's pure rules: names compared for duplicates, what a file lacks."""

import datetime

from hypothesis import given
from hypothesis import strategies as st

from ardoise.families.models import Child, Guardian
from ardoise.signup.completeness import missing
from ardoise.signup.duplicates import child_key, fold, same_children

ACCENTED = {"e": "éèêë", "a": "àâä", "i": "îï", "o": "ôö", "u": "ùûü", "c": "ç"}
names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz -", min_size=1, max_size=30).filter(lambda name: name.strip("- "))


def disguise(name: str, data: st.DataObject) -> str:
    """`name` as someone else may type it: accents added, case changed, spaces doubled, hyphens for spaces."""
    out = []
    for char in name:
        if char in ACCENTED and data.draw(st.booleans()):
            char = data.draw(st.sampled_from(ACCENTED[char]))
        if char == " " and data.draw(st.booleans()):
            char = data.draw(st.sampled_from(["  ", "-"]))
        out.append(char.upper() if data.draw(st.booleans()) else char)
    return "".join(out)


@given(first=names, last=names, data=st.data())
def test_it_matches_a_child_whatever_the_accents_case_and_spacing(first: str, last: str, data: st.DataObject) -> None:
    born = datetime.date(2019, 5, 4)
    theirs = (disguise(first, data), disguise(last, data), born)
    assert same_children([(first, last, born)], [theirs]) == {child_key(first, last, born)}


@given(first=names, last=names, days=st.integers(min_value=1, max_value=4000))
def test_it_never_matches_another_birth_date(first: str, last: str, days: int) -> None:
    born = datetime.date(2015, 1, 1)
    other = born + datetime.timedelta(days=days)
    assert same_children([(first, last, born)], [(first, last, other)]) == set()


def test_it_folds_french_names() -> None:
    assert fold("Élodie-Marie  D'ARC") == fold("elodie marie d arc") == "elodie marie d arc"
    assert fold("Chloé") != fold("Chloe Anne")


def guardian(**fields: object) -> Guardian:
    values = {
        "position": 1,
        "civility": "Mme",
        "first_name": "Léa",
        "last_name": "Bernard",
        "address": "5 rue des Écoles",
        "postcode": "31400",
        "city": "Saint-Exemple",
        "mobile_phone": "06 11 22 33 44",
        "email": "lea@example.test",
    }
    return Guardian(**{**values, **fields})


def test_a_complete_file_lacks_nothing() -> None:
    assert missing([guardian()], [Child(first_name="Hugo")]) == []


def test_it_says_what_a_file_lacks() -> None:
    assert missing([guardian(address="", mobile_phone="", email="")], []) == [
        "l'adresse",
        "un téléphone",
        "un courriel",
        "un enfant",
    ]
    assert missing([], []) == [
        "l'identité du responsable principal",
        "l'adresse",
        "un téléphone",
        "un courriel",
        "un enfant",
    ]
    # A second guardian's phone is enough.
    assert missing([guardian(mobile_phone=""), guardian(position=2, home_phone="05 61 00 00 00")], [Child()]) == []
