"""Disclosure control: what may be printed about the study's participants, computed once.

The demographics directive (filters/demographics.py) and the `{{ study.* }}` values
(thesiskit/values.py) both read `aggregate()`'s result, so the table and a sentence about the same
characteristic always show the same number and the same rules hold for both. Pure functions of the
participants and data/study.yaml's settings: no pandoc, no Jinja, no file access.

The rule is a minimum cell size k (`min-cell-size:` in data/study.yaml, 3 by default, as statistical
disclosure guidance sets): no printed count describes fewer than k people, and no printed count can
be subtracted from another printed number to give a count below k.

- A study with fewer than k participants prints no characteristic at all (only its total).
- Categories (gender) are unordered: those with fewer than k are pooled into one row; a pool that is
  itself below k joins the smallest category that is shown. Every printed row is then a true count of
  at least k, and the rows add up to the total, so no small count appears by subtraction.
- Age bands are ordered: a band with fewer than k is merged with its smaller neighbour (the younger
  on a tie), the smallest band first, until every band shown holds k or more. The merged band's label
  is computed from its bounds ("31–50", "51 or older"). Empty bands are not shown.
- A mean is rounded half up (4.25 to one decimal is 4.3, as readers expect; thesiskit/rounding.py).
  It is withheld when it would reveal one person's value: with n values of which the minimum and
  maximum are printed exactly (unless top- or bottom-coded), the mean gives the sum of the rest, which
  is one person's value when fewer than two are left.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .rounding import Rounded, decimal, round_half_up

DEFAULT_MIN_CELL_SIZE = 3
SMALLEST_MIN_CELL_SIZE = 2  # a cell of one is a person
NOT_REPORTED = "Not reported, to protect anonymity"  # when no category reaches the minimum


def pool_label(label: str) -> str:
    """The row that pools small categories: neutral, since it may hold any of them, named or not
    ("Another gender or not stated", "Another diagnosis group or not stated")."""
    return f"Another {label.lower()} or not stated"


@dataclass(frozen=True)
class Cell:
    """One printed row: a label and a true count of at least k. members are the categories (or
    configured age bands) it holds; more than one when it was pooled or merged."""

    label: str
    count: int
    members: tuple[str, ...]
    small: tuple[str, ...] = ()  # the members that held fewer than k on their own
    lo: int | None = None  # age bands: lowest and highest age (None: open-ended)
    hi: int | None = None

    @property
    def combined(self) -> bool:
        return len(self.members) > 1


@dataclass(frozen=True)
class Spread:
    """A numeric characteristic: its range as printed and its mean, unless withheld."""

    n: int
    low: float
    high: float
    low_exact: bool  # False when bottom-coded: the printed minimum is "less than" the code
    high_exact: bool  # False when top-coded: "more than" the code
    mean: float | None  # None: withheld
    top_code: float | None = None
    bottom_code: float | None = None

    @property
    def unseen(self) -> int:
        """How many values the printed range does not give exactly."""
        return self.n - self.low_exact - self.high_exact


@dataclass
class Result:
    """What may be printed of one characteristic: cells (a category's or bands' counts) or a spread."""

    characteristic: object  # thesiskit.data.Characteristic
    cells: list[Cell] = field(default_factory=list)
    empty: list[str] = field(default_factory=list)  # bands with nobody: 0 in prose, not printed in the table
    spread: Spread | None = None


@dataclass
class Aggregates:
    k: int
    total: int
    results: dict[str, Result] = field(default_factory=dict)  # characteristic id -> what may be printed

    @property
    def too_small(self) -> bool:
        """Fewer participants than the minimum cell size: any characteristic would describe fewer
        than k people, so none is printed."""
        return self.total < self.k


# ---------------------------------------------------------------- categories (gender)

def category_counts(values: list[str], order: list[str] = ()) -> dict[str, int]:
    """Counts compared case-insensitively ("female" and "Female" are one category), each shown with
    one spelling: the declared one, or else the first seen with its first letter capitalised."""
    labels: dict[str, str] = {c.casefold(): c for c in order}
    counts: dict[str, int] = {}
    for value in values:
        key = value.strip().casefold()
        labels.setdefault(key, value.strip()[:1].upper() + value.strip()[1:])
        counts[labels[key]] = counts.get(labels[key], 0) + 1
    return counts


def pool_categories(counts: dict[str, int], k: int, pool: str = "Another category or not stated",
                    order: list[str] = ()) -> list[Cell]:
    """Rows for unordered categories: the categories of k or more (in the declared order, else by
    label); those below k pooled into one row, last; a pool below k joined to the smallest shown
    category (the first on a tie). When no category reaches k, one row NOT_REPORTED holds everyone."""
    rank = {c.casefold(): i for i, c in enumerate(order)}
    labels = sorted((label for label, n in counts.items() if n > 0),
                    key=lambda label: (rank.get(label.casefold(), len(rank)), label))
    present = {label: counts[label] for label in labels}
    shown = [Cell(label, n, (label,)) for label, n in present.items() if n >= k]
    small = tuple(label for label in labels if present[label] < k)
    if not small:
        return shown
    pooled = sum(present[label] for label in small)
    if not shown:
        return [Cell(NOT_REPORTED, pooled, small, small)]
    if pooled >= k:
        return [*shown, Cell(pool, pooled, small, small)]
    smallest = min(shown, key=lambda c: (c.count, shown.index(c)))
    joined = Cell(f"{smallest.label}, {pool[0].lower()}{pool[1:]}", smallest.count + pooled,
                  smallest.members + small, small)
    return [joined if c is smallest else c for c in shown]


# ---------------------------------------------------------------- ordered bands (age)

def band_label(lo: float, hi: float | None) -> str:
    """A merged band's label from its bounds: "31–50", "51 and over"."""
    return f"{lo:g} and over" if hi is None else f"{lo:g}–{hi:g}"


def merge_bands(bands: list[tuple[str, int, int | None, int]], k: int) -> list[Cell]:
    """Rows for ordered bands, given as (label, lowest, highest or None, count): empty bands left out;
    while a band holds fewer than k, the smallest such band (the youngest on a tie) merges with its
    smaller neighbour (the younger on a tie). A merged band's label comes from its bounds; a band
    that was never merged keeps the label written in data/study.yaml."""
    cells = [Cell(label, n, (label,), (label,) if n < k else (), lo, hi)
             for label, lo, hi, n in sorted(bands, key=lambda b: b[1]) if n > 0]
    while len(cells) > 1:
        small = [i for i, c in enumerate(cells) if c.count < k]
        if not small:
            break
        i = min(small, key=lambda i: (cells[i].count, i))
        j = min((j for j in (i - 1, i + 1) if 0 <= j < len(cells)), key=lambda j: (cells[j].count, j))
        a, b = sorted((i, j))
        first, second = cells[a], cells[b]
        cells[a:b + 1] = [Cell(band_label(first.lo, second.hi), first.count + second.count,
                               first.members + second.members, first.small + second.small, first.lo, second.hi)]
    return cells


# ---------------------------------------------------------------- ranges and means

def spread(values: list[float], top_code: float | None = None, bottom_code: float | None = None,
           digits: int = 1) -> Spread:
    """The range as printed (top- and bottom-coded where a code applies) and the mean rounded to
    digits, withheld when fewer than two values are left unseen by the range: then mean times n,
    less the printed extremes, is one person's value (with one participant, the mean is their value
    and undoes the top code)."""
    low, high = min(values), max(values)
    high_exact = top_code is None or high <= top_code
    low_exact = bottom_code is None or low >= bottom_code
    result = Spread(len(values), low, high, low_exact, high_exact, None, top_code, bottom_code)
    if result.unseen < 2:
        return result
    # the mean of the values as written, rounded half up as readers expect (4.25 -> 4.3, 64.5 -> 65),
    # the same digits in the table and in prose (a Rounded prints its decimals: 8.0, not 8)
    exact = sum(decimal(v) for v in values) / len(values)
    average = int(round_half_up(exact, 0)) if digits == 0 else Rounded(exact, digits)
    return Spread(len(values), low, high, low_exact, high_exact, average, top_code, bottom_code)


# ---------------------------------------------------------------- the study

def aggregate(participants, characteristics, k: int) -> Aggregates:
    """Everything the thesis may print about the participants: for each declared characteristic,
    its categories pooled, its bands merged, or its range and mean (thesiskit/data.py reads them)."""
    result = Aggregates(k=k, total=len(participants))
    if result.too_small or not participants:
        return result
    for characteristic in characteristics:
        values = [p.values[characteristic.id] for p in participants]
        found = Result(characteristic)
        if characteristic.kind == "category":
            found.cells = pool_categories(category_counts(values, characteristic.categories), k,
                                          pool_label(characteristic.label), characteristic.categories)
        elif characteristic.bands:
            counted = [(label, lo, hi, sum(lo <= v and (hi is None or v <= hi) for v in values))
                       for label, lo, hi in characteristic.bands]
            found.cells = merge_bands(counted, k)
            found.empty = [label for label, _lo, _hi, n in counted if n == 0]
        else:
            found.spread = spread(values, characteristic.top_code, characteristic.bottom_code, characteristic.decimals)
        result.results[characteristic.id] = found
    return result
