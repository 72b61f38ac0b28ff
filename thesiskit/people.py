"""Who wrote the thesis and its papers, and who supervised them: people as data.

Authors, supervisors and advisers are accepted in the forms pandoc, Quarto and papaja write:

    author: Diane Patton                         # one name (a string is never read letter by letter)
    author: [Diane Patton, Heledd Lewis]         # names
    author:                                      # mappings (Quarto, papaja, pandoc-scholar)
      - name: Diane Patton                       #   or name: {given: Diane, family: Patton}
        email: d.patton@example.ac.uk
        orcid: 0000-0002-1825-0097
        affiliations: [Cardiff University]       #   names, ids of the top-level list, or papaja's "1,2"
        corresponding: true
        roles: [conceptualization, writing]      #   CRediT roles
    supervisors: [Dr Heledd Lewis, {name: Dr Christopher Hobson, role: Second supervisor}]
    advisers:
      - Field Supervisor: Dr Laura Freeman       # role: name, as the example writes it
      - {name: Mr Paul Brown, role: Service User Consultant}
    affiliations: [Cardiff University, {id: cvuhb, name: Cardiff & Vale University Health Board}]

Everything that names a person (title pages, document properties, the masking of a journal
manuscript, self-citations) reads these lists, never the raw metadata.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

HONORIFICS = ("Dr", "Mr", "Mrs", "Ms", "Miss", "Mx", "Prof", "Professor", "Sir", "Dame", "Rev")
PARTICLES = {"van", "von", "de", "der", "den", "da", "di", "du", "des", "del", "della", "la", "le", "ten", "ter",
             "dos", "das", "do", "bin", "ibn", "al", "el", "ap", "ó", "o", "mac", "st"}
NAME_KEYS = ("name", "given", "family", "literal", "given-names", "surname")
PERSON_KEYS = {*NAME_KEYS, "email", "orcid", "affiliation", "affiliations", "corresponding", "correspondence",
               "attributes", "roles", "role", "address", "url", "note", "id", "degrees", "phone"}


class PeopleError(ValueError):
    """An entry that names nobody; the message says which and what to write."""


@dataclass
class Person:
    name: str  # as printed, without an honorific: "Heledd Lewis"
    given: str = ""
    family: str = ""
    honorific: str = ""  # "Dr"
    email: str = ""
    orcid: str = ""
    affiliations: list[str] = field(default_factory=list)
    corresponding: bool = False
    address: str = ""
    role: str = ""  # a supervisor's or adviser's role: "Field Supervisor"
    roles: list[str] = field(default_factory=list)  # CRediT roles of an author

    @property
    def titled(self) -> str:
        """The name with its honorific, as the thesis title page prints supervisors: 'Dr Heledd Lewis'."""
        return f"{self.honorific} {self.name}" if self.honorific else self.name

    @property
    def initials(self) -> list[str]:
        return [part[0].upper() for part in re.split(r"[\s.\-]+", self.given) if part and part[0].isalpha()]


def split_name(text: str) -> tuple[str, str, str]:
    """(honorific, given, family) of a name as a person writes it: 'Dr Heledd Lewis',
    'Mark van Vugt', 'van Vugt, Mark', 'Lewis, H.'"""
    text = " ".join(str(text).split())
    honorific = ""
    match = re.match(rf"^({'|'.join(HONORIFICS)})\.?\s+(?=\S)", text, re.I)
    if match:
        honorific, text = match.group(1), text[match.end():]
    if "," in text:
        family, given = (part.strip() for part in text.split(",", 1))
        return honorific, given, family
    words = text.split()
    if len(words) < 2:
        return honorific, "", text
    start = len(words) - 1
    while start > 1 and words[start - 1].lower() in PARTICLES:
        start -= 1
    return honorific, " ".join(words[:start]), " ".join(words[start:])


def person(value, what: str, affiliations: dict[str, str] | None = None) -> Person:
    """One person from a string or a mapping; PeopleError when it names nobody."""
    affiliations = affiliations or {}
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        text = str(value).strip()
        if not text:
            raise PeopleError(f"{what} is empty; write the person's name")
        honorific, given, family = split_name(text)
        return Person(name=f"{given} {family}".strip(), given=given, family=family, honorific=honorific)
    if not isinstance(value, dict):
        raise PeopleError(f"{what} is {type(value).__name__ if value is not None else 'empty'}; write a name, "
                          "or a mapping with name: (and email:, orcid:, affiliations: ...)")
    if len(value) == 1 and not any(str(key) in PERSON_KEYS for key in value):
        (role, name), = value.items()  # "Field Supervisor: Dr Laura Freeman"
        found = person(name, f"{what} ({role})", affiliations)
        found.role = str(role)
        return found
    raw = value.get("name", value.get("literal"))
    if isinstance(raw, dict):  # Quarto: name: {given:, family:} or {literal:}
        found = person({**raw, **{k: v for k, v in value.items() if k != "name"}}, what, affiliations)
    elif raw not in (None, ""):
        found = person(raw, what, affiliations)
    else:
        given = str(value.get("given", value.get("given-names", "")) or "").strip()
        family = str(value.get("family", value.get("surname", "")) or "").strip()
        if not (given or family):
            keys = f" (it has {', '.join(map(str, value))})" if value else ""
            raise PeopleError(f"{what} has no name{keys}; add name: ... to it")
        found = Person(name=f"{given} {family}".strip(), given=given, family=family)
    found.email = str(value.get("email") or "").strip()
    found.orcid = _orcid(value.get("orcid"))
    found.address = str(value.get("address") or value.get("correspondence") or "").strip()
    attributes = value.get("attributes") if isinstance(value.get("attributes"), dict) else {}
    found.corresponding = _truthy(value.get("corresponding", attributes.get("corresponding", False)))
    found.role = str(value.get("role") or "") if isinstance(value.get("role"), str) else found.role
    roles = value.get("roles", value.get("role") if isinstance(value.get("role"), list) else [])
    found.roles = [str(r.get("role", r)) if isinstance(r, dict) else str(r) for r in _as_list(roles)]
    found.affiliations = _affiliations_of(value.get("affiliations", value.get("affiliation")), affiliations)
    return found


def people(value, what: str, affiliations: dict[str, str] | None = None) -> list[Person]:
    """A list of people from whatever the metadata holds: None, a name, a mapping or a list of them."""
    if value is None or value == "" or value == []:
        return []
    items = value if isinstance(value, list) else [value]
    if isinstance(value, dict) and len(value) > 1 and not any(str(k) in PERSON_KEYS for k in value):
        items = [{role: name} for role, name in value.items()]  # advisers: {Field Supervisor: X, Consultant: Y}
    label = what.rstrip("s") if what.endswith("s") else what
    return [person(item, f"{label} {n}" if len(items) > 1 else what, affiliations) for n, item in enumerate(items, 1)]


def affiliation_names(value) -> dict[str, str]:
    """The top-level affiliations: id (or position, from 1, or the name itself) -> printed name."""
    out: dict[str, str] = {}
    for n, item in enumerate(_as_list(value), start=1):
        if isinstance(item, dict):
            name = _affiliation_text(item)
            for key in (item.get("id"), item.get("ref"), str(n), name):
                if key not in (None, ""):
                    out.setdefault(str(key), name)
        elif item not in (None, ""):
            out.setdefault(str(n), str(item).strip())
            out.setdefault(str(item).strip(), str(item).strip())
    return out


def _affiliation_text(item: dict) -> str:
    parts = [item.get(k) for k in ("department", "name", "institution")]
    text = ", ".join(str(p).strip() for p in parts if p)
    return text or ", ".join(str(v) for k, v in item.items() if k not in ("id", "ref") and v)


def _affiliations_of(value, known: dict[str, str]) -> list[str]:
    out: list[str] = []
    for item in _as_list(value):
        if isinstance(item, dict):
            ref = item.get("ref", item.get("id"))
            name = known.get(str(ref)) if ref is not None and str(ref) in known else _affiliation_text(item)
            out.append(name)
        elif isinstance(item, (int, float)) or (isinstance(item, str) and re.fullmatch(r"\s*\d+(\s*,\s*\d+)*\s*", item)):
            out += [known.get(n.strip(), n.strip()) for n in str(item).split(",")]  # papaja: "1,2"
        elif item not in (None, ""):
            out.append(known.get(str(item).strip(), str(item).strip()))
    return [a for i, a in enumerate(out) if a and a not in out[:i]]


def _orcid(value) -> str:
    text = str(value or "").strip()
    match = re.search(r"(\d{4}-\d{4}-\d{4}-\d{3}[\dX])", text)
    return match.group(1) if match else text


def _truthy(value) -> bool:
    return value is True or str(value).strip().lower() in ("true", "yes", "1")


def _as_list(value) -> list:
    if value is None or value == "":
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def names(people_: list[Person]) -> str:
    """'A', 'A and B', 'A, B, and C' (APA's serial comma)."""
    listed = [p.name for p in people_]
    if len(listed) <= 2:
        return " and ".join(listed)
    return ", ".join(listed[:-1]) + ", and " + listed[-1]


def corresponding(authors: list[Person]) -> Person | None:
    return next((p for p in authors if p.corresponding), authors[0] if authors else None)


def cited_name_matches(person_: Person, family: str, given: str) -> bool:
    """Whether a name of a .bib entry (family, given) is this person: the same family name, and the
    same first initial when both are known."""
    from .terms import norm

    if not person_.family or norm(family) != norm(person_.family):
        return False
    theirs = [part[0].upper() for part in re.split(r"[\s.\-]+", given) if part and part[0].isalpha()]
    return not (theirs and person_.initials) or theirs[0] == person_.initials[0]


def identity_variants(person_: Person) -> list[str]:
    """Every form a person's name takes in a manuscript: as written, with the honorific, in the
    reference list's form (Patton, D. / Patton, D. M.), initials first (D. Patton), family first, and
    run together as in a URL or a user name (dianepatton); the email and its user part; the ORCID."""
    out = [person_.name, person_.titled]
    if person_.family:
        initials = " ".join(f"{i}." for i in person_.initials)
        if initials:
            out += [f"{person_.family}, {initials}", f"{initials} {person_.family}", f"{person_.family} {''.join(person_.initials)}"]
        if person_.given:
            out += [f"{person_.family}, {person_.given}", f"{person_.given}{person_.family}"]
    if person_.email:
        user = person_.email.split("@")[0]
        out += [person_.email, *([user] if len(user) >= 4 else [])]  # "ab" would blind every "ab"
    if person_.orcid:
        out.append(person_.orcid)
    return [v for v in out if v]
