"""Supplier-name normalisation: one comparison key per supplier name, in Python and in DuckDB SQL.

"ACME Cleaning Svcs Ltd.", "Acme Cleaning Services Limited" and "The Acme Cleaning Services, Inc"
must meet as "acme cleaning services" before Splink compares anything, or every later
comparison fights noise that a rule could have removed. The rules themselves (legal suffixes in
English and French, abbreviations, trading-as markers, numbered-company jurisdictions, person-name
hints) live in ``data/normalise_rules.toml`` so a network can extend them without a release.

The same rules are compiled twice: into Python (:func:`normalise_name`, which also reports the
legal form, trade name, numbered company and a person-name flag) and into one vectorised DuckDB
expression (:func:`normalise_sql`, the key only, for millions of rows inside the resolver's SQL).
Both are built from the same :class:`_Sub` steps, whose patterns are written in the subset of
regular-expression syntax that Python's ``re`` and DuckDB's RE2 read identically (no ``\\b``,
``\\d``, ``\\s`` or ``\\w``: their Unicode meaning differs between the two), and a test runs every
case through both.

Latin letters are folded to ASCII; letters of other scripts are kept as they are, because an
all-Korean or all-Chinese name folded to ASCII would become an empty key equal to every other.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any

__all__ = [
    "ComparisonWords",
    "NormalisedName",
    "comparison_words",
    "legal_form_sql",
    "normalise_name",
    "normalise_sql",
]

RULES_FILE = "normalise_rules.toml"


@dataclass(frozen=True, slots=True)
class NormalisedName:
    """A supplier name reduced to what identifies the supplier, plus what was taken off it.

    ``name`` is the comparison key (Splink's exact-match and string-similarity input). The other
    fields keep what normalisation removed but a resolver still wants: a legal form can break a
    tie, a trade name is a second name to match on, a numbered company's number is close to a
    registry id, and a person's name wants an order-insensitive comparison.
    """

    raw: str
    name: str
    legal_form: str | None
    trade_name: str | None
    numbered: str | None
    is_person: bool
    tokens: tuple[str, ...]


# --------------------------------------------------------------------------------------------
# One regular-expression step, readable by both engines.

# Letters and digits of any script. RE2 spells it with Unicode classes, Python's `re` (which has
# none) as "word characters but not the underscore"; both mean Unicode categories L* and N*.
_ALNUM_SQL = r"[\p{L}\p{N}]"
_ALNUM_PY = r"[^\W_]"
_NOT_ALNUM_SQL = r"[^\p{L}\p{N}]+"
_NOT_ALNUM_PY = r"[\W_]+"


def _lit(text: str) -> str:
    """A SQL string literal (DuckDB reads backslashes in standard literals as themselves)."""
    return "'" + text.replace("'", "''") + "'"


class _Sub:
    """A regex replacement that Python and DuckDB apply the same way.

    ``first`` replaces only the leftmost match (``count=1`` / no ``'g'`` flag): the anchored
    patterns need it to mean the same in both engines.
    """

    __slots__ = ("first", "regex", "repl", "sql_pattern")

    def __init__(
        self, pattern: str, repl: str, *, py_pattern: str | None = None, first: bool = False
    ):
        self.sql_pattern = pattern
        self.regex = re.compile(py_pattern if py_pattern is not None else pattern)
        self.repl = repl
        self.first = first

    def py(self, text: str) -> str:
        return self.regex.sub(self.repl, text, count=1 if self.first else 0)

    def sql(self, expr: str) -> str:
        flags = "" if self.first else ", 'g'"
        return f"regexp_replace({expr}, {_lit(self.sql_pattern)}, {_lit(self.repl)}{flags})"


def _bind(expr: str, var: str, body: str) -> str:
    """Evaluate ``expr`` once and use it several times in ``body`` (DuckDB has no LET).

    Writing ``expr`` twice into a CASE would double the work of every step nested inside it, and
    the steps nest about twenty deep.
    """
    return f"list_transform([{expr}], lambda {var}: {body})[1]"


def _alternation(phrases: Iterable[str], *, escape: bool = True) -> str:
    """Longest phrase first, so that both engines' leftmost-first choice takes the longer one."""
    unique = sorted(set(phrases), key=lambda p: (-len(p), p))
    return "(?:" + "|".join(re.escape(p) if escape else p for p in unique) + ")"


# --------------------------------------------------------------------------------------------
# Rules, compiled.


@dataclass(frozen=True)
class _Rules:
    """Everything in the TOML, turned into ready-to-run steps (built once, see :func:`_rules`)."""

    fold_replace: tuple[tuple[str, str], ...]
    symbols: tuple[tuple[str, str], ...]  # "&" -> "and"
    fold_guard: str
    web: _Sub
    elision: _Sub
    apostrophe: _Sub
    brackets: tuple[_Sub, ...]
    trading: _Sub  # group 1: legal name, group 2: trade name
    comma_person: _Sub  # "SURNAME, Given" -> "Given SURNAME"
    blocked: re.Pattern[str]
    blocked_sql: str
    punctuation: _Sub
    abbreviations: Mapping[str, str]
    phrases: tuple[_Sub, ...]
    leading_article: _Sub
    suffixes: _Sub
    suffix_forms: Mapping[str, str]  # written form (as words) -> canonical legal form
    last_suffix: re.Pattern[str]
    leading_suffixes: re.Pattern[str]  # Python only: legal suffixes right after a number
    jurisdictions: tuple[_Sub, ...]  # group 3: what follows the jurisdiction
    title: _Sub
    title_shape: re.Pattern[str]
    possessive_s: _Sub
    given_names: frozenset[str]
    trailing_articles: frozenset[str]
    business_words: frozenset[str]  # [person] business_words: what a supplier does
    stop_words: frozenset[str]  # [compare]: words that say nothing about who a supplier is
    generic_words: frozenset[str]  # [compare]: words many unrelated suppliers share
    qualifier_words: frozenset[str]  # [compare]: where or which part of a supplier


def _fold_chars(text: str) -> str:
    """Accents off, lower case: exactly what DuckDB's ``lower(strip_accents(x))`` does.

    DuckDB (utf8proc) decomposes, drops every combining mark and recomposes; so does this.
    """
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(c for c in decomposed if unicodedata.category(c) not in _MARKS)
    return unicodedata.normalize("NFC", stripped).lower()


_MARKS = frozenset({"Mn", "Mc", "Me"})
# One to three plain words ("smith", "marie-claude", "john a."): one side of "SURNAME, Given".
_PERSON_PART = "[a-z][a-z.-]*(?: +[a-z][a-z.-]*){0,2}"
# Control characters become spaces before any regex runs: Python's "$" also matches before a
# final newline, RE2's does not.
_CONTROL = tuple((chr(code), " ") for code in (9, 10, 11, 12, 13))


def _needs_replacing(pairs: Iterable[tuple[str, str]]) -> str:
    """A cheap RE2 test for "some replacement applies": most names are plain printable ASCII."""
    ascii_keys = [old for old, _ in pairs if re.fullmatch("[ -~]+", old)]
    return "[^ -~]" + "".join("|" + re.escape(k) for k in ascii_keys)


def _words(
    text: str, fold_replace: Iterable[tuple[str, str]], symbols: Iterable[tuple[str, str]]
) -> str:
    """A rule phrase as the words a name shows after punctuation ("S.E.N.C." -> "s e n c")."""
    text = _fold_chars(text)
    for old, new in fold_replace:
        text = text.replace(old, new)
    text = _spell_symbols(text.replace("'", ""), symbols)
    return " ".join(re.sub(_NOT_ALNUM_PY, " ", text).split())


def _spell_symbols(text: str, symbols: Iterable[tuple[str, str]]) -> str:
    for symbol, word in symbols:
        text = text.replace(symbol, f" {word} ")
    return text


def _expand(words: str, abbreviations: Mapping[str, str], phrases: Iterable[_Sub]) -> str:
    text = " ".join(abbreviations.get(w, w) for w in words.split(" "))
    for step in phrases:
        text = step.py(text)
    return text


def _phrase_sub(old: str, new: str) -> _Sub:
    return _Sub(f"(^| ){re.escape(old)}( |$)", rf"\1{new}\2")


def _marker_pattern(marker: str) -> str:
    """``t/a`` -> ``t[^a-z0-9]+a``: any punctuation or spacing between the marker's letters."""
    groups = re.findall(r"[a-z0-9]+", marker)
    return "[^a-z0-9]+".join(groups)


def _load_toml() -> dict[str, Any]:
    text = resources.files("anchorkit.data").joinpath(RULES_FILE).read_text("utf-8")
    return tomllib.loads(text)


@cache
def _rules() -> _Rules:
    return _compile(_load_toml())


def _compile(raw: Mapping[str, Any]) -> _Rules:
    fold_replace = _CONTROL + tuple((str(a), str(b)) for a, b in raw["fold"]["replace"])
    symbols = tuple((str(a), _words(str(b), fold_replace, ())) for a, b in raw["symbols"].items())

    def words(text: str) -> str:
        return _words(text, fold_replace, symbols)

    abbreviations = _abbreviations(raw["abbreviations"], words)
    phrases = tuple(_phrase_sub(words(k), words(v)) for k, v in raw["phrases"].items())

    def expanded(text: str) -> str:
        return _expand(words(text), abbreviations, phrases)

    suffix_forms = {
        expanded(written): canonical
        for canonical, forms in raw["legal_forms"].items()
        for written in forms
    }
    leading = [expanded(a) for a in raw["articles"]["leading"]]
    trailing = [expanded(a) for a in raw["articles"]["trailing"]]
    not_person = [*leading, *trailing, *(word for _, word in symbols)]
    blocked = _blocked_words(raw, words, expanded, abbreviations, suffix_forms, not_person)
    blocked_pattern = f"(^| ){_alternation(blocked)}( |$)"
    titles = _alternation(expanded(t) for t in raw["person"]["titles"])
    strippable = _alternation([*suffix_forms, *trailing])
    return _Rules(
        fold_replace=fold_replace,
        symbols=symbols,
        fold_guard=_needs_replacing(fold_replace),
        web=_web_step(raw["web"]["domains"]),
        elision=_elision_step(words(e) for e in raw["apostrophes"]["elided"]),
        apostrophe=_Sub("'+", ""),
        brackets=(
            _Sub(r"\([^()]*\)", " "),
            _Sub(r"\([^()]*\)", " "),  # twice: "A (B (C) D)" loses the inner note, then the outer
            _Sub(r"\[[^\[\]]*\]", " "),
            _Sub(r"\([^()]*$", " ", first=True),  # a note cut off by a field length limit
        ),
        trading=_trading_step(raw["trading_as"]["markers"]),
        comma_person=_Sub(
            f"^ *({_PERSON_PART}) *, *({_PERSON_PART}) *$",
            r"\2 \1",
            first=True,
        ),
        blocked=re.compile(blocked_pattern),
        blocked_sql=blocked_pattern,
        punctuation=_Sub(_NOT_ALNUM_SQL, " ", py_pattern=_NOT_ALNUM_PY),
        abbreviations=abbreviations,
        phrases=phrases,
        leading_article=_Sub(f"^{_alternation(leading)} ", "", first=True),
        suffixes=_Sub(f"(?: {strippable})+$", "", first=True),
        suffix_forms=suffix_forms,
        last_suffix=re.compile(f" ({strippable})$"),
        leading_suffixes=re.compile(f"^{strippable}(?: {strippable})*(?= |$)"),
        jurisdictions=_jurisdiction_steps(raw["numbered"]["jurisdictions"], expanded),
        title=_Sub(f"^{titles} ", "", first=True),
        title_shape=re.compile(f"^{titles} [a-z]+(?: [a-z]+){{1,2}}$"),
        possessive_s=_Sub(" s( |$)", r"s\1"),
        given_names=frozenset(words(n) for n in raw["person"]["given_names"]),
        trailing_articles=frozenset(trailing),
        business_words=_one_words(raw["person"]["business_words"], expanded),
        stop_words=_one_words(raw["compare"]["stop_words"], expanded),
        generic_words=_one_words(raw["compare"]["generic_words"], expanded),
        qualifier_words=_one_words(raw["compare"]["qualifier_words"], expanded),
    )


def _one_words(raw: Iterable[str], expanded: Callable[[str], str]) -> frozenset[str]:
    """Each entry as the word(s) a name key shows ("Svcs" -> "services", "Co-op" -> two words)."""
    return frozenset(w for entry in raw for w in expanded(entry).split(" ") if w)


@dataclass(frozen=True)
class ComparisonWords:
    """Words the name comparison weighs differently (``[compare]`` in the rules file)."""

    stop: frozenset[str]
    generic: frozenset[str]  # generic and qualifier words: neither says which supplier
    qualifiers: frozenset[str]  # where or which part: added, dropped or swapped freely
    business: frozenset[str]  # what suppliers do ("cleaning", "plumbing"): never a place
    legal: frozenset[str]  # every word of a legal form ("incorporated", "limited", "s", "e")


def comparison_words() -> ComparisonWords:
    """The ``[compare]`` words (and the business and legal-form words), spelt as name keys
    spell them."""
    r = _rules()
    legal = frozenset(w for form in r.suffix_forms for w in form.split(" ") if w)
    return ComparisonWords(
        stop=r.stop_words,
        generic=r.generic_words | r.qualifier_words,
        qualifiers=r.qualifier_words,
        business=r.business_words,
        legal=legal,
    )


def _abbreviations(raw: Mapping[str, str], words: Callable[[str], str]) -> dict[str, str]:
    table: dict[str, str] = {}
    for short, long in raw.items():
        key = words(short)
        if " " in key or not key or not words(long):
            raise ValueError(f"{RULES_FILE}: abbreviation {short!r} must be one word, to words")
        table[key] = words(long)
    return table


def _blocked_words(
    raw: Mapping[str, Any],
    words: Callable[[str], str],
    expanded: Callable[[str], str],
    abbreviations: Mapping[str, str],
    suffix_forms: Mapping[str, str],
    not_person: list[str],
) -> set[str]:
    """Words that mean "not a person": business words, suffixes, articles, "and".

    Both the written and the expanded forms are listed because the "SURNAME, Given" test runs
    before abbreviations are expanded and the title test after.
    """
    blocked = {expanded(w) for w in raw["person"]["business_words"]}
    blocked |= set(suffix_forms) | set(not_person)
    blocked |= {words(w) for forms in raw["legal_forms"].values() for w in forms}
    block_tokens = {t for phrase in blocked for t in phrase.split()}
    blocked |= {
        short
        for short, long in abbreviations.items()
        if long in blocked or any(t in block_tokens for t in long.split())
    }
    return blocked


def _elision_step(elided: Iterable[str]) -> _Sub:
    return _Sub(f"(^|[^a-z0-9])({_alternation(elided)})'([a-z])", r"\1\2 \3")


def _web_step(domains: Iterable[str]) -> _Sub:
    endings = _alternation(d.lower() for d in domains)
    return _Sub(f"([a-z0-9])\\.{endings}([^a-z0-9]|$)", r"\1\2")


def _trading_step(markers: Iterable[str]) -> _Sub:
    """Split at the first trading-as marker that follows at least two letters or digits.

    The two leading character classes are disjoint so Python's backtracking stays linear-ish on
    the (common) names that have no marker.
    """
    alternatives = _alternation((_marker_pattern(_fold_chars(m)) for m in markers), escape=False)
    legal = "[^a-z0-9]*[a-z0-9][^a-z0-9]*[a-z0-9].*?"
    return _Sub(f"^({legal})[^a-z0-9]+{alternatives}(?:[^a-z0-9]+(.*))?$", r"\1", first=True)


def _jurisdiction_steps(
    raw: Mapping[str, list[str]], expanded: Callable[[str], str]
) -> tuple[_Sub, ...]:
    steps = []
    for canonical, forms in raw.items():
        alternatives = _alternation(expanded(f) for f in forms)
        pattern = f"^0*([0-9]+) ?([0-9]*) {alternatives}( .*)?$"
        steps.append(_Sub(pattern, rf"\1\2 {expanded(canonical)}", first=True))
    return tuple(steps)


# --------------------------------------------------------------------------------------------
# Python.


@dataclass(frozen=True)
class _Key:
    name: str
    legal_form: str | None
    numbered: str | None
    numbered_rest: str
    person_shape: bool  # "SURNAME, Given" was reordered or a personal title was removed


def _fold(raw: str, r: _Rules) -> str:
    """Accents, case, and the character replacements of the rules."""
    text = _fold_chars(raw)
    for old, new in r.fold_replace:
        text = text.replace(old, new)
    return text


def _prepare(text: str, r: _Rules) -> str:
    """Drop web endings, apostrophes and bracketed notes, spell out "&"."""
    text = r.apostrophe.py(r.elision.py(r.web.py(text)))
    return _spell_symbols(_without_notes(text, r), r.symbols)


def _without_notes(text: str, r: _Rules) -> str:
    """Bracketed notes ("(WAS CABLE & WIRELESS)") go, unless the whole name is one."""
    kept = text
    for step in r.brackets:
        kept = step.py(kept)
    return kept if re.search(_ALNUM_PY, kept) else text


def _split_trading(text: str, r: _Rules) -> tuple[str, str | None]:
    match = r.trading.regex.match(text)
    if match is None:
        return text, None
    return match.group(1), match.group(2) or None


def _key(text: str, r: _Rules) -> _Key:
    """The comparison key of one name (the legal part or the trade part)."""
    person_shape = _reorders_as_person(text, r)
    if person_shape:
        text = r.comma_person.py(text)
    text = r.punctuation.py(text).strip(" ")
    text = " ".join(r.abbreviations.get(w, w) for w in text.split(" "))
    for step in r.phrases:
        text = step.py(text)
    text = r.leading_article.py(text)
    stripped = r.suffixes.py(text)
    legal_form = _legal_form(text[len(stripped) :], r)
    text, numbered, rest = _numbered(stripped, r)
    if rest:
        rest, legal_form = _suffix_after_number(rest, legal_form, r)
    if _titled_person(text, r):
        text, person_shape = r.title.py(text), True
    return _Key(_finish(text, r), legal_form, numbered, rest, person_shape)


def _finish(text: str, r: _Rules) -> str:
    """Initials run together ("a b c plumbing" -> "abc plumbing"), then possessive "s" joins."""
    return r.possessive_s.py(_join_initials(text))


def _join_initials(text: str) -> str:
    """One-character words in a row are one word: "A.B.C. Plumbing" = "ABC Plumbing".

    Runs after the legal suffixes ("s a", "s e n c") and jurisdictions ("b c") were read as such.
    """
    words = text.split(" ")
    out = []
    for i, word in enumerate(words):
        nxt = words[i + 1] if i + 1 < len(words) else ""
        out.append(word if len(word) == 1 and len(nxt) == 1 else word + " ")
    return "".join(out).strip(" ")


def _reorders_as_person(text: str, r: _Rules) -> bool:
    return bool(r.comma_person.regex.match(text)) and not r.blocked.search(
        re.sub("[^a-z]+", " ", text)
    )


def _titled_person(text: str, r: _Rules) -> bool:
    return bool(r.title_shape.match(text)) and not r.blocked.search(text)


def _legal_form(tail: str, r: _Rules) -> str | None:
    """The canonical form of the last legal suffix in the stripped tail (" co ltd" -> "ltd")."""
    while tail:
        match = r.last_suffix.search(tail)
        if match is None:
            return None
        if match.group(1) not in r.trailing_articles:
            return r.suffix_forms[match.group(1)]
        tail = tail[: match.start()]
    return None


def _numbered(text: str, r: _Rules) -> tuple[str, str | None, str]:
    """``("1019837 ontario", "1019837 ontario", "franks electric")`` or ``(text, None, "")``."""
    numbered: str | None = None
    rest = ""
    for step in r.jurisdictions:
        match = step.regex.match(text)
        if match is not None:
            rest = (match.group(3) or "").strip(" ")
            text = step.py(text)
            numbered = text
    return text, numbered, rest


def _suffix_after_number(rest: str, legal_form: str | None, r: _Rules) -> tuple[str, str | None]:
    """In "1342826 Ontario Inc. Frank's Electric", "inc" is the number's, not the trade name's."""
    match = r.leading_suffixes.match(rest)
    if match is None:
        return rest, legal_form
    return rest[match.end() :].strip(" "), legal_form or _legal_form(" " + match.group(0), r)


def _is_person(key: _Key, r: _Rules, *, elided: bool) -> bool:
    """A probable person: only a hint for the resolver (compare tokens in any order).

    ``elided``: the name had a French elision, so its one-letter word is "l" or "d", not an
    initial ("L'Arche Ottawa").
    """
    if key.person_shape:
        return True
    words = key.name.split(" ")
    if key.legal_form or key.numbered or not 2 <= len(words) <= 3:
        return False
    if not all(w.isascii() and w.isalpha() for w in words) or r.blocked.search(key.name):
        return False
    initial = not elided and (len(words[0]) == 1) != (len(words[-1]) == 1)
    return initial or any(w in r.given_names for w in words)


_COOP_ENDINGS = (("co", "operative"), ("co", "operatives"))


@lru_cache(maxsize=1 << 16)
def normalise_name(raw: str) -> NormalisedName:
    """Normalise one supplier name; ``.name`` equals what :func:`normalise_sql` gives.

    The key is the legal name's: a trade name ("... t/a Joe's Pizza") is reported beside it, and a
    numbered company is its number and jurisdiction, because that is what a registry knows it by.
    A co-operative's legal form is "coop" whatever suffix follows, so social-procurement tagging
    can see it.
    """
    r = _rules()
    folded = _fold(raw, r)
    legal, trade = _split_trading(_prepare(folded, r), r)
    key = _key(legal, r)
    trade_name = _key(trade, r).name if trade is not None else None
    if not trade_name and key.numbered_rest:
        trade_name = _finish(key.numbered_rest, r)
    tokens = tuple(key.name.split(" ")) if key.name else ()
    legal_form = "coop" if tokens[-2:] in _COOP_ENDINGS else key.legal_form
    return NormalisedName(
        raw=raw,
        name=key.name,
        legal_form=legal_form,
        trade_name=trade_name or None,
        numbered=key.numbered,
        is_person=_is_person(key, r, elided=r.elision.regex.search(folded) is not None),
        tokens=tokens,
    )


# --------------------------------------------------------------------------------------------
# DuckDB SQL: the same steps, in the same order, as one expression.


@lru_cache(maxsize=64)
def legal_form_sql(col: str) -> str:
    """A DuckDB expression giving the canonical legal form a name ends with ("inc" for "Acme
    Incorporated"), or NULL. Only forms written as one word are read: enough to tell "Vanguard
    Software Ltd" from "Vanguard Software Inc", two companies of one name."""
    r = _rules()
    whens = " ".join(
        f"WHEN {_lit(form)} THEN {_lit(canonical)}"
        for form, canonical in sorted(r.suffix_forms.items())
        if " " not in form
    )
    last = f"regexp_extract(lower(strip_accents({col})), '([a-z]+)[^a-z]*$', 1)"
    return f"CASE {last} {whens} END"


@lru_cache(maxsize=64)
def normalise_sql(col: str) -> str:
    """A DuckDB expression giving ``normalise_name(x).name`` for the SQL expression ``col``.

    ``col`` is inserted once, innermost, so it may be any expression (a quoted column name, a
    ``coalesce(...)``). NULL stays NULL. Vectorised and single-pass: use it in a projection over
    millions of rows rather than calling the Python function per row.
    """
    r = _rules()
    return _key_sql(r.trading.sql(_prepare_sql(col, r)), r)


def _prepare_sql(col: str, r: _Rules) -> str:
    """As :func:`_prepare`; each costly step only runs on the rows that contain its character."""
    folded = "v_fold"
    for old, new in r.fold_replace:
        folded = f"replace({folded}, {_lit(old)}, {_lit(new)})"
    text = _bind(
        f"lower(strip_accents({col}))",
        "v_fold",
        f"CASE WHEN regexp_matches(v_fold, {_lit(r.fold_guard)}) THEN {folded} ELSE v_fold END",
    )
    punctuated = _without_notes_sql(r.apostrophe.sql(r.elision.sql(r.web.sql("v_punct"))), r)
    text = _bind(
        text,
        "v_punct",
        f"CASE WHEN regexp_matches(v_punct, '[.''(\\[]') THEN {punctuated} ELSE v_punct END",
    )
    for symbol, word in r.symbols:
        text = f"replace({text}, {_lit(symbol)}, {_lit(f' {word} ')})"
    return text


def _without_notes_sql(text: str, r: _Rules) -> str:
    kept = "v_note"
    for step in r.brackets:
        kept = step.sql(kept)
    body = _bind(
        kept,
        "v_kept",
        f"CASE WHEN regexp_matches(v_kept, {_lit(_ALNUM_SQL)}) THEN v_kept ELSE v_note END",
    )
    return _bind(text, "v_note", body)


def _key_sql(text: str, r: _Rules) -> str:
    blocked = _lit(r.blocked_sql)
    reordered = r.comma_person.sql("v_comma")
    text = _bind(
        text,
        "v_comma",
        f"CASE WHEN contains(v_comma, ',') "
        f"AND regexp_matches(v_comma, {_lit(r.comma_person.sql_pattern)}) "
        f"AND NOT regexp_matches(regexp_replace(v_comma, '[^a-z]+', ' ', 'g'), {blocked}) "
        f"THEN {reordered} ELSE v_comma END",
    )
    text = f"trim({r.punctuation.sql(text)})"
    words = f"list_transform(string_split({text}, ' '), lambda v_word: {_abbreviation_case(r)})"
    text = f"array_to_string({words}, ' ')"
    for step in r.phrases:
        text = step.sql(text)
    text = r.suffixes.sql(r.leading_article.sql(text))
    numbered = "v_num"
    for step in r.jurisdictions:
        numbered = step.sql(numbered)
    text = _bind(
        text, "v_num", f"CASE WHEN regexp_matches(v_num, '^[0-9]') THEN {numbered} ELSE v_num END"
    )
    text = _bind(
        text,
        "v_title",
        f"CASE WHEN regexp_matches(v_title, {_lit(r.title_shape.pattern)}) "
        f"AND NOT regexp_matches(v_title, {blocked}) "
        f"THEN {r.title.sql('v_title')} ELSE v_title END",
    )
    return r.possessive_s.sql(_join_initials_sql(text))


def _join_initials_sql(text: str) -> str:
    """As :func:`_join_initials`: each word is followed by a space unless it and the next are
    one character long; DuckDB lists are 1-based and out-of-range reads are NULL."""
    body = (
        "trim(array_to_string(list_transform(v_words, lambda v_w, v_i: v_w || "
        "CASE WHEN length(v_w) = 1 AND length(coalesce(v_words[v_i + 1], '')) = 1 "
        "THEN '' ELSE ' ' END), ''))"
    )
    return _bind(f"string_split({text}, ' ')", "v_words", body)


def _abbreviation_case(r: _Rules) -> str:
    whens = " ".join(f"WHEN {_lit(k)} THEN {_lit(v)}" for k, v in sorted(r.abbreviations.items()))
    return f"CASE v_word {whens} ELSE v_word END"
