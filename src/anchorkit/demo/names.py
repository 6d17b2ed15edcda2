"""Supplier names, and how each anchor's finance system spells them.

The same company reaches the collaborative under many spellings: one system stores "ACME CLEANING INC",
another "Acme Cleaning Incorporated", a third truncates at 30 characters, a clerk swaps two letters. Linking
them is the heart of supplier resolution, so the demo reproduces the habits real vendor masters show
(case, legal-suffix forms, "The", ``&``/and, punctuation, width, typos, numbered companies and their
"o/a" trade names), each anchor with its own mix. The true supplier behind every spelling is kept in the
ground truth.
"""

from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

SuffixStyle = Literal["keep", "bare", "long", "short", "drop"]
Trading = Literal["both", "trade", "legal"]

# Legal-suffix token -> its form under each style (keep, bare, long, short). "keep" is the canonical form.
_SUFFIX_FORMS: dict[str, tuple[str, str, str, str]] = {
    "INC": ("Inc.", "Inc", "Incorporated", "Inc"),
    "INCORPORATED": ("Incorporated", "Incorporated", "Incorporated", "Inc"),
    "LTD": ("Ltd.", "Ltd", "Limited", "Ltd"),
    "LIMITED": ("Limited", "Limited", "Limited", "Ltd"),
    "CORP": ("Corp.", "Corp", "Corporation", "Corp"),
    "CORPORATION": ("Corporation", "Corporation", "Corporation", "Corp"),
    "CO": ("Co.", "Co", "Company", "Co"),
    "LLC": ("LLC", "LLC", "LLC", "LLC"),
    "LTEE": ("Ltée", "Ltée", "Limitée", "Ltée"),
    "NONE": ("", "", "", ""),
}
_STYLE_INDEX = {"keep": 0, "bare": 1, "long": 2, "short": 3}
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class SupplierName:
    """The parts a supplier's names are built from.

    ``trade`` is the operating name ("Maple Catering"); ``numbered`` the number of a numbered company
    ("9876543" in "9876543 Ontario Inc."), registered in ``jurisdiction``. A supplier may have either or
    both; with both, finance systems write the legal name, the trade name, or "legal o/a trade".
    """

    trade: str | None
    the: bool
    suffix: str
    numbered: str | None = None
    jurisdiction: str = "Ontario"

    def legal(self, style: SuffixStyle = "keep") -> str:
        """The registered name: "9876543 Ontario Inc." or "The Harbourview Group Ltd."."""
        suffix = suffix_form(self.suffix, style)
        if self.numbered is not None:
            return _join(self.numbered, self.jurisdiction, suffix)
        assert self.trade is not None
        return _join("The" if self.the else "", self.trade, suffix)

    @property
    def canonical(self) -> str:
        """The name people know: the trade name of a numbered company that has one, else the legal name."""
        if self.numbered is not None and self.trade is not None:
            return _join("The" if self.the else "", self.trade)
        return self.legal()


@dataclass(frozen=True)
class NameHabit:
    """How one anchor's vendor master spells names; tuples are choices made once per vendor record."""

    suffix: tuple[SuffixStyle, ...] = ("keep",)
    comma_before_suffix: bool = False
    the: Literal["keep", "drop", "end"] = "keep"
    ampersand: Literal["keep", "and", "amp"] = "keep"
    strip_punctuation: bool = False
    fold_accents: bool = False
    case: Literal["keep", "upper", "title"] = "keep"
    width: int | None = None
    trading: tuple[Trading, ...] = ("both",)
    oa_token: str = "o/a"
    typo_rate: float = 0.0
    duplicate_rate: float = 0.02


def suffix_form(token: str, style: SuffixStyle) -> str:
    """The legal suffix ``token`` (INC, LTD...) written in ``style``; "drop" writes nothing."""
    return "" if style == "drop" else _SUFFIX_FORMS[token][_STYLE_INDEX[style]]


def _join(*parts: str) -> str:
    return " ".join(p for p in parts if p)


def fold_accents(text: str) -> str:
    """ "Café Montréal Ltée" -> "Cafe Montreal Ltee", as systems without Unicode store it."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def swap_typo(text: str, rng: random.Random) -> str:
    """Swap two adjacent, different letters (never the first): the commonest keying error."""
    spots = [
        i
        for i in range(1, len(text) - 1)
        if text[i].isalpha() and text[i + 1].isalpha() and text[i] != text[i + 1]
    ]
    if not spots:
        return text
    i = rng.choice(spots)
    return text[:i] + text[i + 1] + text[i] + text[i + 2 :]


def spell(name: SupplierName, habit: NameHabit, rng: random.Random) -> str:
    """One vendor record's spelling of ``name`` under ``habit`` (random choices drawn from ``rng``)."""
    style = rng.choice(habit.suffix)
    trading = rng.choice(habit.trading) if name.numbered and name.trade else "legal"
    suffix = suffix_form(name.suffix, style)
    if name.numbered is not None:
        legal = _join(name.numbered, name.jurisdiction, suffix)
        trade = _the(name.trade or "", name.the, habit.the)
        text = {"both": f"{legal} {habit.oa_token} {trade}", "trade": trade, "legal": legal}[
            trading
        ]
    else:
        assert name.trade is not None
        sep = ", " if habit.comma_before_suffix and suffix else " "
        text = _the((name.trade + sep + suffix).strip(), name.the, habit.the)
    if habit.ampersand == "and":
        text = text.replace(" & ", " and ")
    elif habit.ampersand == "amp":
        text = text.replace(" and ", " & ")
    if habit.strip_punctuation:
        text = _SPACES.sub(" ", text.replace("-", " ").translate(_PUNCTUATION)).strip()
    if habit.fold_accents:
        text = fold_accents(text)
    if habit.case == "upper":
        text = text.upper()
    elif habit.case == "title":
        text = text.title()
    if habit.width is not None:
        text = text[: habit.width].rstrip()
    if habit.typo_rate and rng.random() < habit.typo_rate:
        text = swap_typo(text, rng)
    return text


_PUNCTUATION = str.maketrans("", "", ".,'")


def _the(text: str, has_the: bool, how: str) -> str:
    """Place a supplier's "The": kept in front, dropped, or moved to the end ("Harbourview Group, The")."""
    if not has_the or how == "drop":
        return text
    return f"{text}, The" if how == "end" else f"The {text}"


def respell(written: str, rng: random.Random) -> str:
    """A second vendor record's spelling of a name already on file: another clerk, another day."""
    options = [
        written.upper(),
        written.replace(" & ", " and ") if " & " in written else written.replace(".", ""),
        swap_typo(written, rng),
    ]
    different = [o for o in options if o != written]
    return rng.choice(different) if different else written + " "
