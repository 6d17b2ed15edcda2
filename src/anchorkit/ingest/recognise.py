"""Which column is which: every column judged on its header and on its values, together.

A header alone misleads (``Name`` is a supplier in one file and a cost centre in another;
``VendorName`` is one word; a council's files have no header at all), and values alone are
ambiguous (a department and a category are both short repeated text). So each column gets two
pieces of evidence for each of anchorkit's fields:

* its **header**, read as words (CamelCase, snake_case and punctuation split, abbreviations such
  as amt, desc, vend, pmt, txn spelled out, a typo of a known word forgiven) and matched against
  the phrases of ``data/column_synonyms.toml``;
* its **values**, profiled on a sample of rows (never every row of a big file): dates, money,
  company-like names with many distinct values, codes, counters that go up by one, postcodes,
  short repeated category text, free text.

The two are scored together, and the whole file gets the one assignment of columns to fields
with the best total score (each column used once, each field once), not column by column. A
second round checks columns against each other: the amount is the money column that holds the
money on rows that name a supplier (a file with a subtotal column beside it has two), and a
vendor id must behave like one (the same value for the same name; a counter, a row number or a
value standing for many names is not one).

Every choice carries a confidence (0 to 1) and a reason in words, which the ingest report shows.
The functions here are pure Python over a few thousand sample cells: no SQL, so they are tested
directly and cost nothing on a 10M-line file.
"""

from __future__ import annotations

import difflib
import re
import tomllib
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

FIELDS = (
    "supplier_name",
    "amount",
    "paid_on",
    "description",
    "raw_category",
    "cost_centre",
    "department",
    "supplier_postcode",
    "supplier_ref",
    "transaction_ref",
    "currency",
)
REQUIRED = ("supplier_name", "amount", "paid_on")
LABELS = {
    "supplier_name": "supplier name",
    "amount": "amount",
    "paid_on": "payment date",
    "description": "description",
    "raw_category": "category",
    "cost_centre": "cost centre",
    "department": "department",
    "supplier_postcode": "supplier postcode",
    "supplier_ref": "vendor id",
    "transaction_ref": "transaction reference",
    "currency": "currency",
}
#: Fields whose values say what they are on their own: they may be recognised by values alone
#: in a file whose header does not name them. The others (a department and a category are both
#: short repeated text) need a header word, unless the file has no header at all.
DISTINCTIVE = ("supplier_name", "amount", "paid_on", "supplier_postcode", "currency")
#: An optional field is only filled when its best column scores at least this.
OPTIONAL_FLOOR = 0.45
#: With no header at all, values alone decide, less surely for the fields whose values look
#: alike: short repeated text is a category first, a cost centre next, a department last.
HEADERLESS_WEIGHT = {
    "description": 0.6,
    "raw_category": 0.6,
    "cost_centre": 0.55,
    "department": 0.5,
    "supplier_ref": 0.6,
    "transaction_ref": 0.55,
}
#: Header words are worth a little more than values when both speak.
HEADER_WEIGHT = 0.55


# ---------------------------------------------------------------------------------------------
# header words
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Phrases:
    exact: tuple[str, ...]
    keywords: tuple[tuple[frozenset[str], ...] | str, ...]  # a phrase, or groups of words
    exclude: tuple[str, ...]


@dataclass(frozen=True)
class Vocabulary:
    fields: dict[str, Phrases]
    abbreviations: dict[str, str]
    qualifiers: tuple[str, ...]
    words: frozenset[str]


def _plain(text: str) -> str:
    """Lower case, no accents, only letters and digits separated by single spaces."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", folded.lower()).split())


@cache
def vocabulary() -> Vocabulary:
    text = resources.files("anchorkit.data").joinpath("column_synonyms.toml").read_text("utf-8")
    raw = tomllib.loads(text)
    fields: dict[str, Phrases] = {}
    for name in FIELDS:
        keywords: list[tuple[frozenset[str], ...] | str] = []
        for phrase in raw[name].get("keywords", []):
            if "+" in phrase:
                keywords.append(
                    tuple(frozenset(_plain(w) for w in g.split("|")) for g in phrase.split("+"))
                )
            else:
                keywords.append(_plain(phrase))
        fields[name] = Phrases(
            tuple(_plain(p) for p in raw[name].get("exact", [])),
            tuple(keywords),
            tuple(_plain(p) for p in raw[name].get("exclude", [])),
        )
    abbreviations = {_plain(k): _plain(v) for k, v in raw["abbreviations"].items()}
    qualifiers = tuple(_plain(p) for p in raw["qualifiers"]["phrases"])
    words = {
        w
        for phrases in fields.values()
        for p in (*phrases.exact, *(k for k in phrases.keywords if isinstance(k, str)))
        for w in p.split()
    }
    words |= {
        w
        for k in fields.values()
        for g in k.keywords
        if not isinstance(g, str)
        for s in g
        for w in s
    }
    words |= {w for v in abbreviations.values() for w in v.split()}
    return Vocabulary(fields, abbreviations, qualifiers, frozenset(words))


_CAMEL = re.compile(
    r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])"
)


@dataclass(frozen=True)
class HeaderWords:
    """A header read as words: ``text`` is what the phrases are matched against."""

    text: str
    corrected: tuple[tuple[str, str], ...] = ()  # (as written, read as) for forgiven typos


@cache
def header_words(header: str) -> HeaderWords:
    """Split, spell out and correct a header: ``"VendorNm"`` → ``"vendor name"``."""
    vocab = vocabulary()
    folded = unicodedata.normalize("NFKD", header).encode("ascii", "ignore").decode()
    split = _CAMEL.sub(" ", folded)
    words: list[str] = []
    corrected: list[tuple[str, str]] = []
    for word in re.sub(r"[^a-z0-9]+", " ", split.lower()).split():
        if word in vocab.abbreviations:
            words.extend(vocab.abbreviations[word].split())
        elif len(word) >= 7 and word not in vocab.words and not word.isdigit():
            # a typo is forgiven in a longer word only, and only a close one: "catergory" is
            # "category", but "credit" is a word of its own, not "creditor"
            close = difflib.get_close_matches(word, vocab.words, n=1, cutoff=0.88)
            if close:
                corrected.append((word, close[0]))
            words.append(close[0] if close else word)
        else:
            words.append(word)
    text = " ".join(words)
    for qualifier in vocab.qualifiers:
        if _has(text, qualifier) and text != qualifier:
            text = " ".join(f" {text} ".replace(f" {qualifier} ", " ").split())
    return HeaderWords(text, tuple(corrected))


def _has(text: str, phrase: str) -> bool:
    return bool(phrase) and f" {phrase} " in f" {text} "


def _groups_match(text: str, groups: tuple[frozenset[str], ...]) -> bool:
    words = set(text.split())
    return all(words & g for g in groups)


def header_score(header: str, name: str) -> tuple[float, str]:
    """How surely a header means field ``name``, 0 to 1, and why in words ("" when not)."""
    words = header_words(header)
    text = words.text
    if not text:
        return 0.0, ""
    phrases = vocabulary().fields[name]
    fix = "".join(f" (read {a!r} as {b!r})" for a, b in words.corrected)
    if text in phrases.exact:
        rank = phrases.exact.index(text) / len(phrases.exact)
        return 1.0 - 0.3 * rank, f"header means {LABELS[name]}{fix}"
    if any(_has(text, x) for x in phrases.exclude):
        return 0.0, ""
    best = 0.0
    size = len(text.split())
    for phrase in phrases.keywords:
        if isinstance(phrase, str):
            if _has(text, phrase):
                best = max(best, 0.55 + 0.3 * len(phrase.split()) / size)
        elif _groups_match(text, phrase):
            best = max(best, 0.55 + 0.3 * len(phrase) / size)
    for phrase in phrases.exact:
        if " " in phrase and _has(text, phrase):
            best = max(best, 0.6 + 0.3 * len(phrase.split()) / size)
    if not best:
        return 0.0, ""
    return min(best, 0.92), f"header suggests {LABELS[name]}{fix}"


def header_strength(cells: Sequence[object]) -> tuple[int, float]:
    """How much a row reads like a header: the fields its cells name surely, and their sum."""
    found: dict[str, float] = {}
    for cell in cells:
        if cell is None or looks_like_value(str(cell)):
            continue
        for name in FIELDS:
            score, _ = header_score(str(cell), name)
            if score >= 0.5:
                found[name] = max(found.get(name, 0.0), score)
    return len(found), sum(found.values())


# ---------------------------------------------------------------------------------------------
# values
# ---------------------------------------------------------------------------------------------
_MONTHS = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_DATE = re.compile(
    r"^\s*(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?:[ T]\d{1,2}:\d{2}.*)?"
    r"|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}(?: \d{1,2}:\d{2}.*)?"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?[-/. ]?{_MONTHS}[-/., ]*\d{{2,4}}"
    rf"|{_MONTHS} \d{{1,2}}(?:st|nd|rd|th)?,? \d{{4}}|(?:19|20)\d{{2}}[-/ ]?{_MONTHS}[-/ ]?\d{{1,2}}"
    r"|(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]))\s*$",
    re.IGNORECASE,
)
_FISCAL_YEAR = re.compile(
    r"^\s*(?:fy\s*)?((?:19|20)\d{2})\s*[-/]\s*(\d{2}|(?:19|20)\d{2})\s*$", re.I
)
_MONTH_PERIOD = re.compile(
    rf"^\s*(?:(?:19|20)\d{{2}}[-/]?(?:0[1-9]|1[0-2])"
    rf"|{_MONTHS}[\s,./-]*(?:19|20)\d{{2}}(?:\s*(?:-|to|–)\s*{_MONTHS}[\s,./-]*(?:19|20)\d{{2}})?)\s*$",
    re.IGNORECASE,
)
_SERIAL = re.compile(r"^\s*[2-8]\d{4}(?:\.0+)?\s*$")
_CURRENCY = (
    r"(?:US\$|CA\$|C\$|AU\$|A\$|NZ\$|Â£|â‚¬|[£$€\x80\ufffd]|"
    r"GBP|EUR|USD|CAD|AUD|NZD|CHF|JPY|SEK|NOK|DKK|PLN|INR|ZAR|MXN)"
)
_MONEY = re.compile(
    rf"^\s*[-+(\u2212]?\s*{_CURRENCY}?\s*[-(]?\s*(?:\d{{1,3}}(?:,\s?\d{{3}})+|\d+)(?:\.\d+)?"
    rf"\s*\)?\s*(?:-|cr|dr|{_CURRENCY})?\s*\)?\s*$",
    re.IGNORECASE,
)
_MONEY_MARK = re.compile(rf"\.\d\d\s*\)?\s*$|\d,\d{{3}}|^\s*[-(]|{_CURRENCY}|\)\s*$|-\s*$", re.I)
_INTEGER = re.compile(r"^\s*\d+\s*$")
_POSTCODE = re.compile(
    r"^\s*(?:[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}|[A-Z]\d[A-Z]\s?\d[A-Z]\d|\d{5}(?:-\d{4})?)\s*$", re.I
)
_ZIP = re.compile(r"^\s*\d{5}(?:-\d{4})?\s*$")
_LETTERS = re.compile(r"[^\W\d_]", re.UNICODE)
_DIGIT = re.compile(r"\d")
_CODE = re.compile(r"^\s*[A-Za-z]{0,6}[-/#.]?\d[\w\-/.#\\ ]{0,28}$")
#: Legal forms: the surest sign that a value names a company.
_LEGAL = re.compile(
    r"\b(?:ltd|limited|plc|llp|llc|lp|inc|incorporated|corp|corporation|co|company|gmbh|ag|sa|"
    r"sas|sarl|bv|nv|pty|ltee|cic|cio|ulc|lda|srl|spa|oy|ab|as|kg)\b",
    re.IGNORECASE,
)
#: Words of organisations (and of trades): a weaker sign, as descriptions use them too.
_ORGANISATION = re.compile(
    r"\b(?:group|holdings?|trust|council|university|college|school|academy|nhs|association|"
    r"society|partnership|partners|services|solutions|consulting|consultants|sons|foundation|"
    r"charity|church|club|hospital|authority|agency|bank|international|uk|enterprises?|"
    r"industries|systems|centre|center|federation|institute|commission|department|ministry|"
    r"government|borough|county|city|municipality|cooperative|co-op|coop|housing|homes|care|"
    r"media|energy|networks?|technologies|contractors?|supplies|design|associates|properties|"
    r"developments?|management|motors|printing|travel|hotels?|engineering|construction|"
    r"builders|security|recruitment|solicitors|accountants|architects|fund)\b",
    re.IGNORECASE,
)
_ISO_CURRENCY = frozenset(
    "GBP EUR USD CAD AUD NZD CHF JPY SEK NOK DKK PLN CZK HUF INR CNY HKD SGD ZAR MXN".split()
)


def looks_like_value(cell: str) -> bool:
    """A cell a header never is: a date, a number or an amount."""
    return bool(_DATE.match(cell) or _MONEY.match(cell) or _FISCAL_YEAR.match(cell))


@dataclass(frozen=True)
class Profile:
    """What a sample of one column's cells look like (shares are of the filled cells)."""

    rows: int
    filled: int
    distinct: int
    dates: float
    serials: float  # Excel serial day numbers that sit close together, as a month's dates do
    fiscal_years: float
    months: float  # yyyymm accounting periods
    money: float
    marked: float  # money with pence, thousands separators, a sign or a currency symbol
    negative: float
    integers: float
    same_width: bool  # every value the same number of plain digits
    leading_zero: float
    counter: float  # share of consecutive rows going up by exactly one
    text: float  # more letters than digits
    organisations: float
    words: float  # mean words per value
    long_text: float  # share with five words or more
    postcodes: float
    zips: float  # postcodes of five plain digits (US ZIP codes, or vendor numbers)
    codes: float
    currencies: float
    top_share: float  # share of the commonest value
    examples: tuple[str, ...]

    @property
    def ratio(self) -> float:
        return self.distinct / self.filled if self.filled else 0.0


def _share(values: Sequence[str], pattern: re.Pattern[str]) -> float:
    return sum(1 for v in values if pattern.search(v)) / len(values) if values else 0.0


def profile(cells: Sequence[str | None], contiguous: int | None = None) -> Profile:
    """Profile one column of sample rows; the first ``contiguous`` rows are consecutive rows of
    the file (a counter is only visible there)."""
    values = [c.strip() for c in cells if c is not None and c.strip()]
    n = len(values)
    if not n:
        return Profile(
            rows=len(cells),
            filled=0,
            distinct=0,
            dates=0.0,
            serials=0.0,
            fiscal_years=0.0,
            months=0.0,
            money=0.0,
            marked=0.0,
            negative=0.0,
            integers=0.0,
            same_width=False,
            leading_zero=0.0,
            counter=0.0,
            text=0.0,
            organisations=0.0,
            words=0.0,
            long_text=0.0,
            postcodes=0.0,
            zips=0.0,
            codes=0.0,
            currencies=0.0,
            top_share=0.0,
            examples=(),
        )
    counts = Counter(values)
    integers = [v for v in values if _INTEGER.match(v)]
    serials = [float(v) for v in values if _SERIAL.match(v)]
    close_serials = 0.0
    if serials and max(serials) - min(serials) <= 1500:
        close_serials = len(serials) / n
    run = [c.strip() if c else "" for c in cells[: contiguous or len(cells)]]
    steps = [
        (a, b)
        for a, b in zip(run, run[1:], strict=False)
        if _INTEGER.match(a) and _INTEGER.match(b)
    ]
    counter = (
        sum(1 for a, b in steps if int(b) - int(a) == 1) / len(steps) if len(steps) >= 5 else 0.0
    )
    texts = [
        v
        for v in values
        if len(_LETTERS.findall(v)) > len(_DIGIT.findall(v)) and not v.lower().startswith("http")
    ]
    # the shape of the text (words, legal forms) is judged on distinct values, so that one value
    # repeated on most rows (a card provider, 'Redacted') does not speak for the whole column
    shapes = list(dict.fromkeys(texts))
    words = [len(v.split()) for v in shapes] or [0]
    money = [v for v in values if _MONEY.match(v)]
    widths = {len(v) for v in integers}
    examples = tuple(dict.fromkeys(values))[:3]
    return Profile(
        rows=len(cells),
        filled=n,
        distinct=len(counts),
        dates=_share(values, _DATE),
        serials=close_serials,
        fiscal_years=sum(
            1
            for v in values
            if (m := _FISCAL_YEAR.match(v)) and int(m.group(2)) % 100 == (int(m.group(1)) + 1) % 100
        )
        / n,
        months=_share(values, _MONTH_PERIOD),
        money=len(money) / n,
        marked=_share(money, _MONEY_MARK) * len(money) / n,
        negative=sum(
            1 for v in money if v.lstrip().startswith(("-", "(")) or v.rstrip().endswith("-")
        )
        / n,
        integers=len(integers) / n,
        same_width=len(integers) == n and len(widths) == 1 and n >= 3,
        leading_zero=sum(1 for v in integers if len(v) > 1 and v.startswith("0")) / n,
        counter=counter,
        text=len(texts) / n,
        organisations=(
            sum(
                1.0 if _LEGAL.search(v) else 0.5 if _ORGANISATION.search(v) else 0.0 for v in shapes
            )
            / len(shapes)
            * len(texts)
            / n
            if shapes
            else 0.0
        ),
        words=sum(words) / len(words),
        long_text=sum(1 for w in words if w >= 5) / len(words),
        postcodes=_share(values, _POSTCODE),
        zips=_share(values, _ZIP),
        codes=sum(1 for v in values if _CODE.match(v) and len(v.split()) <= 3) / n,
        currencies=sum(1 for v in values if v.upper() in _ISO_CURRENCY) / n,
        top_share=counts.most_common(1)[0][1] / n,
        examples=examples,
    )


def _pct(share: float) -> str:
    return f"{share:.0%}".replace("%", " %")


def _diversity(p: Profile) -> float:
    """Near 1 for a column of many different values (suppliers), lower for repeated ones."""
    if p.filled < 20:
        return 1.0
    return min(1.0, max(p.distinct / 25, p.ratio / 0.12))


def _few_values(p: Profile, low: int = 2, high: int = 400) -> float:
    """Near 1 for a column of a moderate number of repeated values (categories, departments)."""
    if p.filled < 20:
        return 0.8 if p.distinct >= 1 else 0.0
    if p.distinct < low:
        return 0.35
    if p.distinct > high or p.ratio > 0.5:
        return 0.3
    return 1.0 if p.ratio <= 0.3 else 0.6


def value_score(p: Profile, name: str) -> tuple[float, str]:
    """How well a column's values fit field ``name``, 0 to 1, and why in words."""
    if not p.filled:
        return 0.0, "empty in the sample"
    constant = p.distinct == 1 and p.filled >= 20
    distinct = f"{p.distinct:,} distinct"
    if name == "paid_on":
        dated = min(1.0, p.dates + p.serials)
        if dated >= max(p.fiscal_years, p.months):
            return min(1.0, dated), f"{_pct(dated)} dates"
        if p.fiscal_years >= p.months:
            return 0.7 * p.fiscal_years, f"{_pct(p.fiscal_years)} fiscal years (no day given)"
        return 0.6 * p.months, f"{_pct(p.months)} year-month periods (no day given)"
    if name == "amount":
        score = p.money
        if p.marked >= 0.2 or p.negative:
            score = min(1.0, score + 0.1)
        why = f"{_pct(p.money)} amounts"
        if p.counter >= 0.5:
            return score * 0.2, why + ", but it counts up by one like a row number"
        if p.same_width and p.marked < 0.05 or p.leading_zero > 0.1:
            return score * 0.45, why + ", but all plain digits of one width, like an id"
        if p.dates >= 0.5 or p.serials >= 0.8 or p.fiscal_years >= 0.5:
            return score * 0.3, why + ", but they look like dates"
        if constant:
            return score * 0.5, why + ", all the same"
        if p.marked >= 0.2:
            why += f", {_pct(p.marked)} with pence, separators or a sign"
        return score, why
    if name == "supplier_name":
        named = p.text * (1 - p.dates) * (1 - 0.5 * p.long_text)
        org = min(1.0, p.organisations / 0.25)
        score = named * (0.6 + 0.4 * org) * _diversity(p)
        if constant:
            score *= 0.3
        return score, f"{_pct(p.organisations)} company-like names, {distinct}"
    if name == "description":
        score = p.text * min(1.0, 0.35 + p.words / 5) * min(1.0, 0.4 + p.ratio)
        return score * (
            0.4 if constant else 1.0
        ), f"free text, {p.words:.1f} words on average, {distinct}"
    if name in ("raw_category", "cost_centre", "department"):
        textual = p.text if name != "cost_centre" else max(p.text, 0.7 * p.codes)
        low = 3 if name == "raw_category" else 2
        score = textual * _few_values(p, low) * (1.0 if p.words <= 8 else 0.6)
        return score, f"repeated short text, {distinct}"
    if name == "supplier_postcode":
        # five plain digits may be a ZIP code or a vendor number: half the weight of a
        # postcode with letters in it
        score = p.postcodes - 0.5 * p.zips
        return score, f"{_pct(p.postcodes)} postcodes" + (
            f" ({_pct(p.zips)} five plain digits, which vendor numbers can be too)"
            if p.zips
            else ""
        )
    if name == "currency":
        return p.currencies, f"{_pct(p.currencies)} currency codes"
    # identifiers
    ident = max(p.codes, p.integers) * (1 - p.dates) * (1 - 0.7 * p.money * (p.marked >= 0.3))
    if p.counter >= 0.5:
        return 0.0, f"counts up by one ({_pct(p.counter)} of rows), like a row number"
    if name == "transaction_ref":
        return ident * min(1.0, 0.3 + p.ratio), f"{_pct(ident)} codes, {distinct}"
    return ident * (0.3 if constant else 1.0), f"{_pct(ident)} codes, {distinct}"


# ---------------------------------------------------------------------------------------------
# the assignment
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Choice:
    """The column chosen for one field, how sure, and why."""

    column: int  # 0-based position
    confidence: float
    reason: str


def period_kind(p: Profile, header: str) -> str | None:
    """How a date column without days is read: 'fiscal' years or 'month's (None: dates).

    A value such as 2011-12 is both December 2011 and fiscal year 2011/12; then the header
    decides ("Year", "Fiscal year": fiscal; anything else: a month).
    """
    if not (p.fiscal_years or p.months) or p.dates + p.serials >= max(p.fiscal_years, p.months):
        return None
    if p.fiscal_years > p.months:
        return "fiscal"
    if p.months > p.fiscal_years:
        return "month"
    return "fiscal" if _has(header_words(header).text, "year") else "month"


@dataclass
class Recognition:
    """The whole file's assignment: field → choice, and what the other columns looked like."""

    headers: list[str]
    choices: dict[str, Choice]
    unused: dict[int, str] = field(default_factory=dict)  # column → why it was left out
    samples: list[tuple[str, ...]] = field(default_factory=list)  # a few values per column
    money_columns: tuple[int, ...] = ()  # other columns holding money (subtotals hide there)
    ref_placeholders: tuple[str, ...] = ()  # vendor id values standing for many names
    refs_have_digits: bool = False  # every real vendor id has a digit: others are placeholders
    date_period: str | None = None  # the payment dates are periods: 'fiscal' years or 'month's

    def confidence(self) -> float:
        """The least sure of the required fields (0 when one is missing)."""
        return min((self.choices[f].confidence if f in self.choices else 0.0) for f in REQUIRED)


def _combine(
    h: float, v: float, name: str, *, has_header: bool, filled: int, elsewhere: float = 0.0
) -> float:
    """One column's score for one field, from its header (``h``) and values (``v``) scores;
    ``elsewhere`` is how surely its header names another field."""
    if not filled:  # nothing to judge in the sample: only a header that names the field
        return 0.5 * h if name not in REQUIRED or h >= 0.85 else 0.0
    if h > 0:
        score = HEADER_WEIGHT * h + (1 - HEADER_WEIGHT) * v
        denied = v < 0.3 and name in (*DISTINCTIVE, "supplier_ref", "transaction_ref")
        if denied and filled >= 10:
            score = min(score, v + 0.1)  # the values deny what the header says
        return score
    if not has_header:
        return HEADERLESS_WEIGHT.get(name, 0.8) * v
    if name not in DISTINCTIVE:
        return 0.0
    # values alone, in a column whose header names another field outright: hardly
    return (0.2 if elsewhere >= 0.85 else 0.7) * v


def _hungarian(weights: list[list[float]]) -> list[int]:
    """Best assignment of rows to columns (maximum total weight); ``len(rows) <= len(cols)``.

    Returns, for each row, its column. The classic O(n²m) shortest augmenting path method.
    """
    n, m = len(weights), len(weights[0]) if weights else 0
    inf = float("inf")
    u, v = [0.0] * (n + 1), [0.0] * (m + 1)
    p, way = [0] * (m + 1), [0] * (m + 1)
    for i in range(1, n + 1):
        p[0], j0 = i, 0
        minv, used = [inf] * (m + 1), [False] * (m + 1)
        while True:
            used[j0] = True
            i0, delta, j1 = p[j0], inf, 0
            for j in range(1, m + 1):
                if not used[j]:
                    cur = -weights[i0 - 1][j - 1] - u[i0] - v[j]
                    if cur < minv[j]:
                        minv[j], way[j] = cur, j0
                    if minv[j] < delta:
                        delta, j1 = minv[j], j
            for j in range(m + 1):
                if used[j]:
                    u[p[j]] += delta
                    v[j] -= delta
                else:
                    minv[j] -= delta
            j0 = j1
            if p[j0] == 0:
                break
        while j0:
            j1 = way[j0]
            p[j0] = p[j1]
            j0 = j1
    result = [-1] * n
    for j in range(1, m + 1):
        if p[j]:
            result[p[j] - 1] = j - 1
    return result


def _assign(scores: dict[str, list[float]], width: int) -> dict[str, int]:
    """Fields → columns maximising the total score; a field may stay empty (a dummy column)."""
    names = list(FIELDS)
    weights = []
    for k, name in enumerate(names):
        floor = 0.12 if name in REQUIRED else OPTIONAL_FLOOR
        weight = 2.0 if name in REQUIRED else 1.0
        row = [weight * s if s >= floor else -1.0 for s in scores[name]]
        dummies = [0.0 if d == k else -1.0 for d in range(len(names))]
        weights.append(row + dummies)
    chosen = _hungarian(weights)
    return {
        name: col
        for name, col in zip(names, chosen, strict=True)
        if 0 <= col < width and scores[name][col] >= (0.12 if name in REQUIRED else OPTIONAL_FLOOR)
    }


def _key(name: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", name.lower()).split())


def _suppliers_among(keys: set[str], enough: int = 3) -> int:
    """How many different suppliers a set of name keys spells (at most ``enough``: the callers
    ask "one, two, or many?"): spellings of one name ('Acme Cleaning Inc', 'ACME CLEANING')
    count once — the same words but legal forms, or one's words within the other's, or nearly
    the same letters."""
    groups: list[tuple[str, set[str]]] = []
    for key in sorted(keys):
        words = {w for w in key.split() if not _LEGAL.fullmatch(w) and w != "the"} or set(
            key.split()
        )
        bare = " ".join(sorted(words))
        if not any(
            words <= other
            or other <= words
            or difflib.SequenceMatcher(None, bare, rep).ratio() >= 0.85
            for rep, other in groups
        ):
            groups.append((bare, words))
            if len(groups) >= enough:
                break
    return len(groups)


def _vendor_ids(
    rows: Sequence[Sequence[str | None]], ref: int, supplier: int
) -> tuple[float, str, tuple[str, ...], bool]:
    """Does column ``ref`` behave like a vendor id for the names in column ``supplier``?

    Returns a factor (1 yes, 0 no), the reason, the values that stand for many different names
    (placeholders such as 'Redacted', kept out of the id), and whether real ids all hold digits.
    """
    names: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        a = row[ref] if ref < len(row) else None
        b = row[supplier] if supplier < len(row) else None
        if a and a.strip() and b and b.strip():
            names[a.strip()].add(_key(b))
    if not names:
        return 1.0, "", (), False
    suppliers = {v: _suppliers_among(n) for v, n in names.items()}
    placeholders = tuple(sorted(v for v in names if suppliers[v] >= 3))
    kept = {v: n for v, n in names.items() if v not in placeholders}
    digits = sum(1 for v in kept if _DIGIT.search(v)) / len(kept) if kept else 0.0
    if digits >= 0.9:
        placeholders += tuple(sorted(v for v in kept if not _DIGIT.search(v)))
        kept = {v: n for v, n in kept.items() if _DIGIT.search(v)}
    occurrences = sum(len(n) for n in names.values())
    hidden = sum(len(names[v]) for v in placeholders)
    if occurrences and hidden / occurrences > 0.5:
        return 0.0, "one value stands for many different names", placeholders, digits >= 0.9
    many = sum(1 for v in kept if suppliers[v] > 1)
    if kept and many / len(kept) > 0.2:
        return (
            0.0,
            f"{_pct(many / len(kept))} of its values stand for more than one name",
            placeholders,
            digits >= 0.9,
        )
    all_names = {k for n in kept.values() for k in n}
    supplier_rows = sum(1 for row in rows if supplier < len(row) and row[supplier])
    if kept and len(kept) >= 20 and len(kept) > 1.5 * len(all_names) and supplier_rows:
        return (
            0.0,
            "a new value on nearly every row while names repeat, like a row number",
            placeholders,
            False,
        )
    why = "one name per value" + (
        f"; {len(placeholders)} placeholder values left out" if placeholders else ""
    )
    return 1.0, why, placeholders, digits >= 0.9


def ref_placeholders(
    rows: Sequence[Sequence[str | None]], ref: int, supplier: int | None
) -> tuple[tuple[str, ...], bool]:
    """For a vendor id column however chosen (by a person too): the values standing for many
    names, which are not loaded as ids, and whether every real id holds a digit."""
    if supplier is None:
        return (), False
    _, _, placeholders, digits = _vendor_ids(rows, ref, supplier)
    return placeholders, digits


def _amount_on_named_rows(rows: Sequence[Sequence[str | None]], col: int, supplier: int) -> float:
    """The share of rows naming a supplier whose cell in ``col`` is a non-zero amount."""
    named = [r for r in rows if supplier < len(r) and (r[supplier] or "").strip()]
    if not named:
        return 1.0
    hits = 0
    for r in named:
        cell = (r[col] if col < len(r) else None) or ""
        if _MONEY.match(cell) and re.search(r"[1-9]", cell):
            hits += 1
    return hits / len(named)


def recognise(
    headers: Sequence[str | None],
    rows: Sequence[Sequence[str | None]],
    *,
    contiguous: int | None = None,
    has_header: bool = True,
) -> Recognition:
    """Assign columns to fields from headers and sample rows (the first ``contiguous`` of them
    consecutive in the file)."""
    width = max([len(headers), *(len(r) for r in rows)]) if rows or headers else 0
    texts = [
        str(headers[i]).strip() if i < len(headers) and headers[i] else "" for i in range(width)
    ]
    profiles = [
        profile([r[i] if i < len(r) else None for r in rows], contiguous) for i in range(width)
    ]
    scores: dict[str, list[float]] = {}
    reasons: dict[tuple[str, int], str] = {}
    heads = [
        {name: header_score(texts[i], name) if texts[i] else (0.0, "") for name in FIELDS}
        for i in range(width)
    ]
    for name in FIELDS:
        scores[name] = []
        for i in range(width):
            h, h_why = heads[i][name]
            v, v_why = value_score(profiles[i], name)
            elsewhere = max(heads[i][f][0] for f in FIELDS if f != name)
            s = _combine(
                h, v, name, has_header=has_header, filled=profiles[i].filled, elsewhere=elsewhere
            )
            scores[name].append(s)
            reasons[(name, i)] = "; ".join(w for w in (h_why, v_why) if w)
    chosen = _assign(scores, width)
    placeholders: tuple[str, ...] = ()
    digits = False
    supplier = chosen.get("supplier_name")
    if supplier is not None:
        # round two: the columns judged against the supplier column
        for i in range(width):
            if scores["amount"][i] > 0 and i != supplier:
                share = _amount_on_named_rows(rows, i, supplier)
                if share < 0.5:
                    scores["amount"][i] *= 0.4 + 0.6 * share
                    reasons[("amount", i)] += (
                        f"; only {_pct(share)} of the rows naming a supplier hold an amount here"
                    )
            if scores["supplier_ref"][i] > 0 and i != supplier:
                factor, why, held, dig = _vendor_ids(rows, i, supplier)
                scores["supplier_ref"][i] *= factor
                if why:
                    reasons[("supplier_ref", i)] += f"; {why}"
                if factor and chosen.get("supplier_ref") in (None, i):
                    placeholders, digits = held, dig
        chosen = _assign(scores, width)
        if "supplier_ref" not in chosen:
            placeholders, digits = (), False
        elif chosen["supplier_ref"] is not None:
            _, _, placeholders, digits = _vendor_ids(rows, chosen["supplier_ref"], supplier)
    choices: dict[str, Choice] = {}
    for name, col in chosen.items():
        mine = scores[name][col]
        others = [s for i, s in enumerate(scores[name]) if i != col and i not in chosen.values()]
        runner = max(others, default=0.0)
        confidence = mine
        if runner > mine - 0.1:  # another free column would do nearly as well
            confidence = mine * (0.7 + 0.3 * max(0.0, mine - runner) / 0.1)
        shown = texts[col] or f"column {col + 1}"
        choices[name] = Choice(col, round(confidence, 3), f"{shown!r}: {reasons[(name, col)]}")
    used = set(chosen.values())
    unused: dict[int, str] = {}
    for i in range(width):
        if i in used or (not texts[i] and not profiles[i].filled):
            continue
        best = max(FIELDS, key=lambda f: scores[f][i])
        if scores[best][i] < 0.3:
            unused[i] = "not recognised; kept as extra data"
        elif best in chosen:
            other = texts[chosen[best]] or f"column {chosen[best] + 1}"
            unused[i] = (
                f"also looks like the {LABELS[best]}, which is read from {other!r}; kept as extra data"
            )
        else:
            unused[i] = f"might be the {LABELS[best]} but too unsure; kept as extra data"
    money = tuple(
        i
        for i in range(width)
        if i not in used
        and profiles[i].money >= 0.8
        and profiles[i].counter < 0.5
        and not profiles[i].same_width
        and profiles[i].dates < 0.5
    )
    date = choices.get("paid_on")
    return Recognition(
        date_period=period_kind(profiles[date.column], texts[date.column]) if date else None,
        headers=texts,
        choices=choices,
        unused=unused,
        samples=[p.examples for p in profiles],
        money_columns=money,
        ref_placeholders=placeholders,
        refs_have_digits=digits,
    )
