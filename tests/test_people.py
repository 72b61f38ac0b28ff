"""Pure functions of people and names: the author forms pandoc, Quarto and papaja write, and the
matching that finds a name however it was typed (thesiskit/people.py, terms.py, masking.py)."""
from __future__ import annotations

import unicodedata

import pytest

from thesiskit import masking, people
from thesiskit.bibliography import Entry
from thesiskit.terms import Matcher


# ---------------------------------------------------------------- people

@pytest.mark.parametrize("value, names", [
    ("Diane Patton", ["Diane Patton"]),
    (["Diane Patton", "Heledd Lewis"], ["Diane Patton", "Heledd Lewis"]),
    ("Dr Heledd Lewis", ["Heledd Lewis"]),  # a string is one name, never split into letters
    ({"name": {"given": "Norah", "family": "Jones"}}, ["Norah Jones"]),  # Quarto
    ([{"name": "First Author", "affiliation": "1,2", "corresponding": "yes"}], ["First Author"]),  # papaja
    ([{"given": "Mark", "family": "van Vugt"}], ["Mark van Vugt"]),
    ([{"Field Supervisor": "Dr Laura Freeman"}, {"Service User Consultant": "Mr Paul Brown"}],
     ["Laura Freeman", "Paul Brown"]),
    (None, []),
])
def test_people_in_every_form(value, names):
    assert [p.name for p in people.people(value, "author")] == names


def test_a_person_keeps_what_the_metadata_says():
    affiliations = people.affiliation_names([{"id": "cu", "name": "Cardiff University"}, "Health Board"])
    person, = people.people([{"name": "Diane Patton", "email": "d@x.ac.uk", "orcid": "https://orcid.org/0000-0002-1825-0097",
                              "affiliations": [{"ref": "cu"}, "2"], "attributes": {"corresponding": True},
                              "roles": ["conceptualization", {"role": "writing"}]}], "author", affiliations)
    assert (person.email, person.orcid, person.affiliations, person.corresponding, person.roles) == (
        "d@x.ac.uk", "0000-0002-1825-0097", ["Cardiff University", "Health Board"], True, ["conceptualization", "writing"])
    adviser, = people.people([{"Field Supervisor": "Dr Laura Freeman"}], "advisers")
    assert (adviser.role, adviser.titled) == ("Field Supervisor", "Dr Laura Freeman")


@pytest.mark.parametrize("text, parts", [
    ("Dr Heledd Lewis", ("Dr", "Heledd", "Lewis")),
    ("Mark van Vugt", ("", "Mark", "van Vugt")),
    ("van Vugt, Mark", ("", "Mark", "van Vugt")),
    ("Prof. Siân Ó Briain", ("Prof", "Siân", "Ó Briain")),
    ("Plato", ("", "", "Plato")),
])
def test_split_name(text, parts):
    assert people.split_name(text) == parts


@pytest.mark.parametrize("value, message", [
    ([{"email": "x@y.org"}], "author has no name (it has email); add name: ... to it"),
    (["Diane Patton", {"orcid": "0000-0002-1825-0097"}], "author 2 has no name (it has orcid)"),
    ([""], "author is empty"),
    ([["nested"]], "is list"),
])
def test_an_entry_without_a_name_is_an_error(value, message):
    with pytest.raises(people.PeopleError, match=message.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")):
        people.people(value, "author")


def test_names_join_with_apa_serial_comma():
    assert people.names(people.people(["A B", "C D", "E F"], "author")) == "A B, C D, and E F"
    assert people.names(people.people(["A B", "C D"], "author")) == "A B and C D"


# ---------------------------------------------------------------- finding a name

@pytest.mark.parametrize("text", [
    "DIANE PATTON", "Diane\u00a0Patton", "Diane Pat\u200bton", "Diane Pat\u00adton", "diane-patton", "diane_patton",
    "https://example.org/people/diane-patton/", "Diane\n Patton",
])
def test_a_name_is_found_however_it_is_written(text):
    assert Matcher(["Diane Patton"]).search(f"As {text} said.")


@pytest.mark.parametrize("term, text", [
    ("O'Mallory", "Aoife O’Mallory"), ("O’Mallory", "O'Mallory"), ("Désirée", unicodedata.normalize("NFD", "Désirée")),
    ("pattond1@cardiff.ac.uk", "PattonD1@Cardiff.ac.uk"), ("Pryce", "[@pryce2020]"), ("Patton, D.", "Patton, D. (2020)."),
])
def test_forms_and_keys(term, text):
    assert Matcher([term]).search(text)


@pytest.mark.parametrize("term, text", [("Ann", "Annual report"), ("Patton", "Pattonville"), ("Lewis, H.", "Lewis, K.")])
def test_a_name_is_not_found_inside_a_longer_word(term, text):
    assert not Matcher([term]).search(text)


def test_single_letters_are_never_terms():
    assert not Matcher(["D", "", " "])  # "supervisors: Dr X" read by letter once blinded every initial


def test_masking_keeps_the_text_around_and_positions_in_the_original():
    matcher = Matcher(["Diane Patton", "Cardiff University"])
    text = "Ask Dia\u0301ne Patton or DIANE\u00a0PATTON at Cardiff University."
    assert matcher.mask(text) == "Ask Dia\u0301ne Patton or █████ at █████."  # another name (Diáne), left as it was
    assert Matcher(["Diáne Patton"]).mask(text).startswith("Ask █████ or")
    (_term, excerpt), = Matcher(["Morwenna Pryce"]).scan("Before. Morwenna Pryce said so. After.")
    assert excerpt == "…Before. █████ said so. After.…"


# ---------------------------------------------------------------- self-citations

def entry(author: str) -> Entry:
    return Entry("k", "article", "bib/references.bib", 1, {"author": author, "year": "2020"})


@pytest.mark.parametrize("author, mine", [
    ("Patton, Diane and Smith, J.", True), ("Smith, J. and Patton, D. M.", True), ("Diane Patton", True),
    ("Patton, M. Q.", False),  # Michael Quinn Patton, of qualitative methods, is not the author
    ("{Patton}, D.", True), ("Pat{\\'o}n, D.", False), ("Smith, J.", False),
])
def test_a_self_citation_is_found_by_family_name_and_initial(author, mine):
    authors = people.people(["Diane Patton"], "author")
    assert bool(masking.written_by(entry(author), authors)) is mine


def test_bib_names_undo_latex():
    assert masking.bib_names(entry("{\\\"O}zt{\\\"u}rk, Ayşe and {van Vugt}, M. D.")) == [("Ozturk", "Ayşe"), ("van Vugt", "M. D.")]
