"""What directives share: option converters (each raises ValueError with a reason) and their error."""
from __future__ import annotations


class DirectiveError(Exception):
    """A directive cannot render; the message says why and what to do."""


def integers(text: str) -> list[int]:
    try:
        return [int(x) for x in text.replace(",", " ").split()]
    except ValueError:
        raise ValueError("give whole numbers separated by spaces, e.g. \"1 2 5\"") from None


def choice(*allowed: str):
    def convert(text: str) -> str:
        if text not in allowed:
            raise ValueError(f"use one of {', '.join(allowed)}")
        return text
    return convert


def words_list(*allowed: str):
    def convert(text: str) -> list[str]:
        items = text.replace(",", " ").split()
        bad = [i for i in items if i not in allowed]
        if bad:
            raise ValueError(f"'{bad[0]}' is not one of {', '.join(allowed)}")
        return items
    return convert


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise ValueError("give a whole number") from None
    if value <= 0:
        raise ValueError("give a number above 0")
    return value


def text(value: str) -> str:
    return value
