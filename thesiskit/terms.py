"""Finding a name however it was written: the matching shared by the redaction list
(private/redact.txt) and the identity terms of a masked manuscript.

A term is found in a text after both are brought to one form:
  - Unicode NFKC, so that a decomposed "é" (e + U+0301), a ligature or a full-width letter is the
    same character as its plain form, and a no-break space is a space;
  - zero-width characters and soft hyphens removed ("Pat\u200bton" is "Patton");
  - straight and curly apostrophes alike (O'Mallory, O’Mallory, Oʼmallory);
  - any run of whitespace, hyphens, underscores, dots, slashes or plus signs is one separator, so
    "Diane Patton", "DIANE\u00a0PATTON", "diane-patton" (a URL) and "diane_patton" are one name;
  - case ignored.
A term must not continue a longer word: "Ann" is not found in "Annual", but it is in "ann2020" (a
citation key), since a digit does not make a name longer. Where a match is found, its span is
given in the original text, so it can be masked in place.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e"), None)
APOSTROPHES = "'’‘ʼ′`´"
SEPARATORS = re.compile(r"[\s\-‐‑‒–—_./+]+")


def _fold(char: str) -> str:
    """One character (with its combining marks) in the common form; may be empty or longer."""
    char = unicodedata.normalize("NFKC", char).translate(INVISIBLE)
    if char and char in APOSTROPHES:
        return "'"
    return char


def normalise(text: str) -> tuple[str, list[int]]:
    """(the text in the common form, for each of its characters the index in `text` it came from).
    Separators are collapsed to one space; the index list has one extra entry, len(text)."""
    out: list[str] = []
    index: list[int] = []
    i, n = 0, len(text)
    while i < n:
        j = i + 1
        while j < n and unicodedata.combining(text[j]):  # a base character and its accents, as one
            j += 1
        folded = _fold(text[i:j])
        for ch in folded:
            if SEPARATORS.fullmatch(ch):
                if out and out[-1] == " ":
                    continue
                ch = " "
            out.append(ch)
            index.append(i)
        i = j
    index.append(n)
    return "".join(out), index


_FAST = {**INVISIBLE, **{ord(a): "'" for a in APOSTROPHES}}


def fold(text: str) -> tuple[str, str]:
    """A whole text at once, for scanning large outputs: (the text as read, in NFKC without invisible
    characters; the same with each separator a space, position for position, to search)."""
    shown = unicodedata.normalize("NFKC", text).translate(_FAST)
    return shown, SEPARATORS.sub(lambda m: " " * len(m.group()), shown)


def norm(text: str) -> str:
    """The common form alone, collapsed and trimmed: for comparing two names."""
    return normalise(text)[0].strip().casefold()


MASK = "█████"
LETTER_BEFORE = r"(?<![^\W\d_])"  # not preceded by a letter
LETTER_AFTER = r"(?![^\W\d_])"  # not followed by a letter


class Matcher:
    """Finds any of a set of terms in a text, in the common form (see the module's docstring)."""

    def __init__(self, terms):
        forms = {}
        for term in terms:
            form = normalise(str(term))[0].strip()
            if len(form.replace(" ", "")) >= 2:  # a single letter would blind every initial
                forms.setdefault(form.casefold(), str(term))
        self.terms = list(forms.values())
        self._pattern = None
        if forms:
            alternatives = "|".join(re.escape(f).replace("\\ ", " +") for f in sorted(forms, key=len, reverse=True))
            self._pattern = re.compile(f"{LETTER_BEFORE}(?:{alternatives}){LETTER_AFTER}", re.IGNORECASE)
        self._forms = forms

    def __bool__(self) -> bool:
        return self._pattern is not None

    def spans(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, term) of every match, as positions in the original text."""
        if self._pattern is None or not text:
            return []
        folded, index = normalise(text)
        out = []
        for match in self._pattern.finditer(folded):
            start, end = index[match.start()], index[match.end() - 1] + 1
            while end < len(text) and unicodedata.combining(text[end]):
                end += 1  # the accents of the last letter belong to it
            out.append((start, end, self._term(match.group(0))))
        return out

    def scan(self, text: str) -> list[tuple[str, str]]:
        """(term, the words around it with the term masked) of every match in a large text, read in
        the common form; for reporting, not for changing the text."""
        if self._pattern is None or not text:
            return []
        shown, searched = fold(text)
        matches = list(self._pattern.finditer(searched))
        if not matches:
            return []
        masked = "".join(shown[a:b] if keep else MASK for a, b, keep in _pieces(matches, len(shown)))
        out, shift = [], 0
        for match in matches:
            start = match.start() + shift
            shift += len(MASK) - (match.end() - match.start())
            end = start + len(MASK)
            before = " ".join(masked[max(start - 120, 0):start].split()[-6:])
            after = " ".join(masked[end:end + 120].split()[:6])
            glue = "" if after[:1] in ".,;:!?)’”" else " "
            out.append((self._term(match.group(0)), f"…{before} {MASK}{glue}{after}…"))
        return out

    def _term(self, found: str) -> str:
        return self._forms.get(" ".join(found.split()).casefold(), found)

    def search(self, text: str) -> tuple[int, int, str] | None:
        found = self.spans(text)
        return found[0] if found else None

    def mask(self, text: str) -> str:
        """The text with every term replaced by the mask, for messages."""
        return self.sub(text, MASK)[0] if self._pattern is not None and text else text

    def sub(self, text: str, replacement: str) -> tuple[str, int]:
        """The text with every match replaced; the number replaced."""
        found = self.spans(text)
        for start, end, _term in reversed(found):
            text = text[:start] + replacement + text[end:]
        return text, len(found)


def _pieces(matches, length: int):
    """(start, end, keep) covering a text: the parts between matches kept, the matches not."""
    position = 0
    for match in matches:
        yield position, match.start(), True
        yield match.start(), match.end(), False
        position = match.end()
    yield position, length, True


@lru_cache(maxsize=64)
def matcher(terms: tuple[str, ...]) -> Matcher:
    return Matcher(terms)
