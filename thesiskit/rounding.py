"""Numbers as readers expect them: rounded half up, at the decimals declared for them.

Python's round() and format() round half to even, and on the binary value at that: 4.25 prints as 4.2
and 64.5 as 64, where an APA reader (and any calculator) expects 4.3 and 65. Every number the build
formats for a reader goes through round_half_up(), which rounds the number as it is written (the
Decimal of its repr, so 4.35 is 4.35 and not 4.3499999...) half away from zero. The filters of
values in prose (thesiskit/values.py), the appraisal scores and ratings, the demographics table and
the disclosure-controlled means (thesiskit/disclosure.py) all use it, so a table and a sentence that
show the same number show the same digits.

A value rounded once for a purpose (a mean to one decimal) is a Rounded: a float that remembers its
decimals, so `{{ study.experience.mean }}` and `| num` print "4.0" as the table does, not "4".
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction


class Rounded(float):
    """A float rounded half up to `digits` decimals, printed with exactly that many."""

    digits: int

    def __new__(cls, value, digits: int):
        number = super().__new__(cls, round_half_up(value, digits))
        number.digits = digits
        return number

    def __getnewargs__(self):  # pickled (the build cache) and copied with its decimals
        return float(self), self.digits

    def __str__(self) -> str:
        return fixed(self, self.digits)

    def __repr__(self) -> str:
        return str(self)


def decimal(value) -> Decimal:
    """The number as written: Decimal of its repr (a float's shortest repr), exactly for Fractions."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, Fraction):
        return Decimal(value.numerator) / Decimal(value.denominator)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{value!r} is not a number")
    return Decimal(repr(float(value)) if isinstance(value, float) else int(value))


def round_half_up(value, digits: int = 0) -> Decimal:
    """value rounded to digits decimals, half away from zero: 4.25 -> 4.3, 64.5 -> 65, -0.125 -> -0.13."""
    try:
        return decimal(value).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    except InvalidOperation:  # inf, nan: nothing to round
        return decimal(value)


def fixed(value, digits: int) -> str:
    """Exactly digits decimals: fixed(4.25, 1) == '4.3', fixed(8, 1) == '8.0'; no '-0.0'."""
    text = f"{round_half_up(value, digits):f}"
    return text[1:] if text.startswith("-") and not any(c in "123456789" for c in text) else text


def trimmed(value, digits: int = 2) -> str:
    """At most digits decimals, without trailing zeros: 7.0 -> '7', 7.50 -> '7.5', 2/3 -> '0.67'."""
    text = fixed(value, digits)
    return text.rstrip("0").rstrip(".") if "." in text else text


def grouped(value, digits: int = 2, exact: bool = False) -> str:
    """trimmed() (or fixed(), when exact) with thousands separators: 5041 -> '5,041',
    1234.567 -> '1,234.57'."""
    text = fixed(value, digits) if exact else trimmed(value, digits)
    sign, text = ("-", text[1:]) if text.startswith("-") else ("", text)
    whole, _, fraction = text.partition(".")
    return sign + f"{int(whole):,}" + (f".{fraction}" if fraction else "")


def declared_digits(value, default: int) -> int:
    """The decimals a Rounded value was rounded to, or the default."""
    return value.digits if isinstance(value, Rounded) else default
