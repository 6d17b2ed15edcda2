"""Cell values (amounts, currencies, dates) parsed as vectorised DuckDB SQL expressions.

Spend files are large (10M lines) and messy, so every parser here is a SQL *expression* over a
VARCHAR column, not per-row Python: DuckDB evaluates it in vectors on all cores. The layout of
each expression follows what was measured (DuckDB 1.4 and 2.0, 2 threads), not guesses:

* Native parses (``try_cast`` to DECIMAL or DATE, ``try_strptime``) are cheap when they succeed
  and 3-6x dearer when they fail (an error text is built, then dropped), so each one is guarded
  by a check that makes it likely to succeed.
* Guards are ``GLOB``/``contains`` (cheapest) or ``regexp_matches``, which RE2 runs as a DFA.
  ``regexp_extract`` of one group is fine on a cell that matches, but slow on one that does
  not if the pattern has many alternatives, so it runs behind a ``regexp_matches``.
  ``regexp_replace`` with capture groups is several times dearer still and is kept for rare
  forms.
* ``COALESCE`` and ``CASE`` evaluate later branches only for the rows the earlier ones left, so
  common forms come first and messy ones pay only for themselves. BUT DuckDB's
  common-subexpression elimination hoists any subexpression written twice, even inside a CASE,
  and computes it for *every* row. So nothing costly is written twice in one expression, unless
  it is computed for every row anyway (the date branches' result, wrapped by the century fix).

Only DuckDB built-ins that exist in 1.x and 2.0 are used, with no lambdas or list functions, so
that sqlglot could transpile them later. ``col`` arguments are SQL expressions (``c3``,
``"Awarded Amount"``); they are wrapped in parentheses, never quoted here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from anchorkit.derived import fiscal_year_sql

__all__ = [
    "Periods",
    "all_blank_sql",
    "amount_problem_sql",
    "blank_sql",
    "amount_sql",
    "currency_sql",
    "date_order_evidence_sql",
    "date_problem_sql",
    "date_sql",
    "decide_date_order",
    "fiscal_year_sql",
    "starts_visible_sql",
    "trim_sql",
]

DATE_ORDERS = ("dmy", "mdy")
_ORDER_NAMES = {"dmy": "day-first", "mdy": "month-first"}

# RE2's \s is ASCII only; the no-break space U+00A0 is common in Excel exports.
_WS = r"[\s\x{a0}]*"
_BLANK = r"^[\s\x{a0}]*$"

# ---------------------------------------------------------------------------------------------
# Amounts
# ---------------------------------------------------------------------------------------------
_ISO_CODES = (
    "GBP",
    "EUR",
    "USD",
    "CAD",
    "AUD",
    "NZD",
    "CHF",
    "JPY",
    "SEK",
    "NOK",
    "DKK",
    "PLN",
    "CZK",
    "HUF",
    "INR",
    "CNY",
    "HKD",
    "SGD",
    "ZAR",
    "MXN",
)
# Currency tokens. Mis-encoded forms come from UTF-8 bytes read as cp1252/latin-1 (Â£ is £,
# â‚¬ is €) and from cp1252's € (byte 0x80) read as latin-1 (U+0080). U+FFFD is a byte the
# reader could not decode: some symbol, we cannot tell which, so it means "the file's currency",
# like a bare $. None of these contains "cr", which is what lets CR be found with ILIKE.
_CURRENCY = r"US\$|CA\$|C\$|AU\$|A\$|NZ\$|Â£|£|â‚¬|â\x{82}¬|€|\x{80}|\$|\x{fffd}|" + "|".join(
    _ISO_CODES
)
_C = rf"(?:{_CURRENCY})"
# 1,234,567.89 (a comma only as a thousands separator: before exactly three digits, a space
# after it tolerated, as in Toronto's "$982, 900"), 1234.5, .5. No exponent: 1.5E3 is an Excel
# export of a plain number and the DECIMAL cast reads it; decorated cells never use it.
_N = r"(?:\d{1,3}(?:, ?\d{3})+(?:\.\d*)?|\d+(?:\.\d*)?|\.\d+)"
_SIGN = r"[-+\x{2212}]"
_CODE = "(?:" + "|".join(_ISO_CODES) + ")"
# A symbol and a code that agree: "$330,000 CAD", "CAD $5", "£5 GBP", "€5 EUR".
_SYMBOL_AND_CODE = (
    rf"\${_WS}{_N}{_WS}{_CODE}|{_CODE}{_WS}\${_WS}{_N}"
    rf"|Â?£{_WS}{_N}{_WS}GBP|GBP{_WS}Â?£{_WS}{_N}"
    rf"|(?:€|\x{{80}}|â‚¬|â\x{{82}}¬){_WS}{_N}{_WS}EUR"
)
# A number with at most one currency, written once on either side, or as a symbol and a code.
_CN = rf"(?:{_C}{_WS}{_N}|{_N}(?:{_WS}{_C})?|{_SYMBOL_AND_CODE})"
# Every accepted layout, each with at most one sign mark, so that once a cell matches, any "(",
# "-", U+2212 or "CR" in it means negative and nothing else (see _amount_is_negative).
_AMOUNT_SHAPE = (
    rf"(?i)^{_WS}(?:"
    rf"(?:{_SIGN}{_WS})?{_CN}"  # 1,234.56  -£50.00  £50  - 50 GBP
    rf"|{_C}{_WS}{_SIGN}{_WS}{_N}"  # £-50
    rf"|{_CN}{_WS}(?:[-\x{{2212}}]|cr|dr)"  # 1,234.56-  1,234.56 CR  5 GBP DR (debit)
    rf"|\({_WS}{_CN}{_WS}\)"  # (1,234.56)  (£5)
    rf"|{_C}{_WS}\({_WS}{_N}{_WS}\)"  # £(5)
    rf"|\({_WS}{_N}{_WS}\){_WS}{_C}"  # (5) GBP
    rf"){_WS}$"
)
# The two commonest decorations, thousands commas and a leading £ or $ (with a minus either
# side), which a few replace() calls can strip before the DECIMAL cast, sparing the extract.
_AMOUNT_SIMPLE = r"^-?[£$]?-?(?:[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]*)?|[0-9]+(?:\.[0-9]*)?)$"
# The number is the first run of digits: no currency token contains a digit.
_AMOUNT_DIGITS = r"^[^0-9.]*([0-9]+(?:, ?[0-9]{3})*(?:\.[0-9]*)?|\.[0-9]+)"
# Cells with nothing but these characters carry no currency token.
_NO_CURRENCY = r"^[-+0-9.,\s()]*$"
# The pound and euro in every spelling above; the substring tests that find them are cheaper
# than any regex, and they leave only ASCII tokens for the lookup in currency_sql.
_POUND = "£"  # also in Â£
_EURO = ("€", "\x80", "‚¬", "\x82¬")  # € itself, cp1252 0x80 read as latin-1, the tails of â‚¬
# ASCII currency tokens, upper-cased, to ISO codes ("": no token, the file's own currency).
# Keys are at most three characters, so currency_sql can look them up in one padded string.
_DOLLARS = {"US$": "USD", "CA$": "CAD", "C$": "CAD", "AU$": "AUD", "A$": "AUD", "NZ$": "NZD"}
_TOKEN_CODES = {"": "", **{code: code for code in _ISO_CODES}, **_DOLLARS}
# The ASCII token in a cell, anchored: only sign marks, digits, spaces and a bare $ may come
# before it, so "$330,000 CAD" gives CAD, and a bare $ alone gives no token (the default).
_ASCII_TOKEN = (
    r"(?i)^[-+0-9.,\s\x{a0}()\x{2212}$]*("
    + "|".join(k.replace("$", r"\$") for k in sorted(_TOKEN_CODES, key=len, reverse=True) if k)
    + ")"
)
# For reasons only: sign marks and currencies in any number and order.
_AMOUNT_LOOSE = (
    r"(?i)^[\s\x{a0}(+\-\x{2212}]*"
    rf"(?:{_C}[\s\x{{a0}}(+\-\x{{2212}}]*)?{_N}"
    rf"[\s\x{{a0}})\-\x{{2212}}]*(?:{_C}[\s\x{{a0}})\-\x{{2212}}]*)?(?:cr|dr)?[\s\x{{a0}})]*$"
)
_AMOUNT_MAX = "1e16"  # DECIMAL(18,2) holds 16 digits before the point

# ---------------------------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------------------------
_SEP = r"[-/.]"
# Four-digit years are 1000-2999: a year 0023 is a garbled cell, not the first century (and
# two-digit years are read as year 0-99 by the parsers, then moved by _with_century).
_YYYY = r"[12]\d{3}"
_TIME = (
    r"(?:(?:t|\s+)\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:\s*[ap]\.?m\.?)?"
    r"(?:\s*(?:z|utc|gmt|[+-]\d{2}(?::?\d{2})?))?)?"
)
# Fast forms: each guard lets through only cells its native parse will almost always accept.
_ISO_GLOB = "[12][0-9][0-9][0-9][-/]*"  # 2023-04-01, 2023/04/01, with or without a time
# 01/04/2023 1-4-23 01.04.2023. %Y reads a two-digit year as year 0-99; _with_century fixes it.
_ABY_GUARD = r"^[0-9][0-9]?[-/.][0-9][0-9]?[-/.](?:[12][0-9][0-9][0-9]|[0-9][0-9])$"
_ABY_FORMAT = {"dmy": "%d{sep}%m{sep}%Y", "mdy": "%m{sep}%d{sep}%Y"}
_D_MON_Y_GUARD = (
    r"^[0-9][0-9]?[-/. ][A-Za-z]{3}[-/. ](?:[12][0-9][0-9][0-9]|[0-9][0-9])$"  # 01-APR-22
)
_D_MONTH_Y_GUARD = (
    r"^[0-9][0-9]?[-/. ][A-Za-z]{4,9}[-/. ](?:[12][0-9][0-9][0-9]|[0-9][0-9])$"  # 1 April 2022
)
# Excel serial day numbers (1900 date system), only 20000..80000 (1954..2119), so that amounts
# or codes that land in a date column are not read as dates. The GLOB is a cheap pre-filter.
_SERIAL_GLOB = "[2-8][0-9][0-9][0-9][0-9]*"
_SERIAL_GUARD = r"^(?:[2-7]\d{4}|80000)(?:\.\d*)?$"
_EXCEL_EPOCH = "DATE '1899-12-30'"

# Slow forms, rewritten by regexp_replace into a canonical string. The pattern ends in |^.*$ so
# a cell of another form is rewritten to bare separators that the cast rejects: without it the
# cell would come back unchanged and a cast might accept it by a reading we never meant.
_NUMERIC_SHAPE = (
    rf"(?is)^{_WS}(?:({_YYYY}){_SEP}(\d{{1,2}}){_SEP}(\d{{1,2}})"
    rf"|(\d{{1,2}}){_SEP}(\d{{1,2}}){_SEP}({_YYYY}|\d{{2}})){_TIME}{_WS}$"
)
# Rewritten to y-m-d: ISO groups are 1-3, the a/b/y groups 4-6 and the file's order says which
# of a and b is the day.
_NUMERIC_REPL = {"dmy": r"\1\6-\2\5-\3\4", "mdy": r"\1\6-\2\4-\3\5"}
_COMPACT_SHAPE = rf"(?s)^{_WS}((?:19|20)\d{{2}})(\d{{2}})(\d{{2}}){_WS}$"  # 20230401
_COMPACT_REPL = r"\1-\2-\3"
# English month names in any case, abbreviated or full; the first three letters are captured
# because strptime's %b reads exactly those.
_MONTH = (
    r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)"
    r"(?:uary|ruary|ch|il|e|y|ust|tember|t|ober|ember)?\.?"
)
_ORDINAL = r"(?:st|nd|rd|th|er)?"
_WEEKDAY = r"(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+)?"
_MSEP = r"[\s./-]"
# 1 Apr 2022, 01APR2022, Friday 1st April 2022 | Apr 1, 2022, April 1 2022 | 2022-Apr-01.
_MONTH_NAME_SHAPE = (
    rf"(?is)^{_WS}{_WEEKDAY}(?:"
    rf"(?:(\d{{1,2}}){_ORDINAL}{_MSEP}*{_MONTH}[\s.,/-]*"
    rf"|{_MONTH}{_MSEP}*(\d{{1,2}}){_ORDINAL},?{_MSEP}+)({_YYYY}|\d{{2}})"
    rf"|({_YYYY}){_MSEP}*{_MONTH}{_MSEP}*(\d{{1,2}})"
    rf"){_TIME}{_WS}$"
)
_MONTH_NAME_REPL = r"\5\6 \2\3\7 \1\4\8"
_MONTH_NAME_FORMAT = "%Y %b %d"
# French month names (Canadian files) mapped to English, longest first so that "janvier" becomes
# "jan" rather than "jan" + "vier".
_FRENCH_MONTHS = (
    ("janvier", "jan"),
    ("janv", "jan"),
    ("février", "feb"),
    ("fevrier", "feb"),
    ("févr", "feb"),
    ("fevr", "feb"),
    ("fév", "feb"),
    ("mars", "mar"),
    ("avril", "apr"),
    ("avr", "apr"),
    ("mai", "may"),
    ("juin", "jun"),
    ("juillet", "jul"),
    ("juil", "jul"),
    ("août", "aug"),
    ("aout", "aug"),
    ("septembre", "sep"),
    ("octobre", "oct"),
    ("novembre", "nov"),
    ("décembre", "dec"),
    ("decembre", "dec"),
    ("déc", "dec"),
)

# Evidence for the file's order: only a part above 12 proves which one is the day.
_DAY_ONLY = r"(?:1[3-9]|2\d|3[01])"
_MONTH_NUM = r"(?:0?[1-9]|1[0-2])"
_YEAR_END = r"(?:\d{4}|\d{2})(?:\D|$)"
_ISO_VOTE = rf"^{_WS}\d{{4}}{_SEP}\d{{1,2}}{_SEP}\d{{1,2}}(?:\D|$)"
_ONLY_READABLE = {
    "dmy": rf"^{_WS}{_DAY_ONLY}{_SEP}{_MONTH_NUM}{_SEP}{_YEAR_END}",
    "mdy": rf"^{_WS}{_MONTH_NUM}{_SEP}{_DAY_ONLY}{_SEP}{_YEAR_END}",
}
# For reasons only: anything shaped like a date, so "31/02/2023" is "not a valid date" while
# "soon" is "not a recognised date".
_ANY_MONTH = (
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|janv|f[ée]v|mars|avr|mai|juin|juil"
    r"|ao[uû]t|d[ée]c)[a-zéû]*\.?"
)
_DATE_LIKE = (
    rf"(?is)^{_WS}{_WEEKDAY}(?:\d{{1,4}}{_SEP}\d{{1,2}}{_SEP}\d{{1,4}}|(?:19|20)\d{{6}}"
    rf"|\d{{1,4}}{_ORDINAL}{_MSEP}*{_ANY_MONTH}[\s.,/-]*\d{{1,4}}"
    rf"|{_ANY_MONTH}{_MSEP}*\d{{1,2}}{_ORDINAL},?{_MSEP}+\d{{2,4}}){_TIME}{_WS}$"
)
_NUMBER_LIKE = rf"^{_WS}\d+(?:\.\d*)?{_WS}$"

# Periods, for a file that dates its lines by period only (periods=... in date_sql): a fiscal
# year (2016/2017, 2016-17, FY2016-17) is dated its first day under the workspace's
# fiscal_year.start; an accounting month (201605, May 2016, May 2016 - July 2016) its first day.
_FISCAL_PAIR = r"(?i)^[\s\x{a0}]*(?:fy[\s\x{a0}]*)?((?:19|20)[0-9][0-9])[\s\x{a0}]*[-/][\s\x{a0}]*([0-9][0-9](?:[0-9][0-9])?)[\s\x{a0}]*$"
_YEAR_MONTH = r"^[\s\x{a0}]*((?:19|20)[0-9][0-9])[-/]?(0[1-9]|1[0-2])[\s\x{a0}]*$"
_MONTH_YEAR = (
    rf"(?i)^{_WS}{_MONTH}[\s,./-]*((?:19|20)[0-9][0-9])"
    rf"(?:{_WS}(?:-|to|–){_WS}{_MONTH}[\s,./-]*(?:19|20)[0-9][0-9])?{_WS}$"
)

_SHOW_CHARS = 40


# ---------------------------------------------------------------------------------------------
# small SQL helpers
# ---------------------------------------------------------------------------------------------
def _lit(text: str) -> str:
    """A SQL string literal. Standard SQL strings keep backslashes, so only quotes double."""
    return "'" + text.replace("'", "''") + "'"


def _text(text: str) -> str:
    """A SQL string for `text`, with invisible characters spelled chr(n) so the SQL stays
    readable in logs (the U+0080 of a mis-decoded € shows as nothing)."""
    parts: list[str] = []
    run = ""
    for ch in text:
        if ord(ch) < 32 or 127 <= ord(ch) < 160:
            if run:
                parts.append(_lit(run))
                run = ""
            parts.append(f"chr({ord(ch)})")
        else:
            run += ch
    if run:
        parts.append(_lit(run))
    return " || ".join(parts) if parts else "''"


def _rewrite(c: str, shape: str, replacement: str) -> str:
    """SQL: the cell rewritten by `replacement` if it has `shape`, else bare separators."""
    return f"regexp_replace({c}, {_lit(shape + '|^.*$')}, {_lit(replacement)})"


def _show(c: str) -> str:
    """The raw cell quoted for a reason, cut short so one silly cell cannot flood the report."""
    return (
        f"'''' || left({c}, {_SHOW_CHARS}) || "
        f"CASE WHEN length({c}) > {_SHOW_CHARS} THEN '...' ELSE '' END || ''''"
    )


def starts_visible_sql(col: str) -> str:
    """SQL: TRUE when the cell's first byte is a visible ASCII character ('!' to DEL).

    No test of blankness strips such a character, and no pattern that must start with a space
    or a given letter can match past it. Two comparisons of the string's inlined prefix, an
    order of magnitude cheaper than trim() or a regex, settle nearly every cell, so the tests
    below run their dear check only on the others (NULL, empty, a space, a non-ASCII start).
    """
    c = f"({col})"
    return f"({c} >= '!' AND {c} < chr(128))"


def _is_blank(c: str) -> str:
    """TRUE for NULL, empty or whitespace-only (no-break spaces included) cells."""
    return (
        f"CASE WHEN {starts_visible_sql(c)} THEN false "
        f"ELSE coalesce(regexp_matches({c}, {_lit(_BLANK)}), true) END"
    )


def blank_sql(col: str) -> str:
    """SQL: TRUE when the cell is NULL or trim() leaves it empty.

    The same answer as ``coalesce(trim(col), '') = ''``, at a tenth of the cost on a typical
    cell (measured: 0.02 s instead of 0.2 s per 2M cells), because trim() builds a new string
    for every cell; the ingest asks this of several cells of every row.
    """
    c = f"({col})"
    return f"CASE WHEN {starts_visible_sql(c)} THEN false ELSE coalesce(trim({c}), '') = '' END"


def trim_sql(col: str) -> str:
    """SQL: ``trim(col)``, without building a new string for a cell that starts and ends with a
    visible ASCII character, which trim() would return unchanged (nearly every cell; measured:
    0.09 s instead of 0.25 s per 2M supplier names)."""
    c = f"({col})"
    return (
        f"CASE WHEN {starts_visible_sql(c)} AND substr({c}, -1) BETWEEN '!' AND '~' THEN {c} "
        f"ELSE trim({c}) END"
    )


def all_blank_sql(cols: Sequence[str]) -> str:
    """SQL: TRUE when no cell holds a letter or a digit: a row of empty cells, spaces, or stray
    marks (a dash, a mis-decoded no-break space such as ``†``) carries no data.

    A first cell starting with an ASCII letter or digit settles nearly every row; DuckDB would
    otherwise test every cell of every row (measured: 6x dearer).
    """
    every = " AND ".join(f"NOT coalesce(regexp_matches({c}, '[\\pL\\pN]'), false)" for c in cols)
    first = f"ascii({cols[0]})"
    alnum = (
        f"({first} BETWEEN 48 AND 57 OR {first} BETWEEN 65 AND 90 OR {first} BETWEEN 97 AND 122)"
    )
    return f"CASE WHEN coalesce({alnum}, false) THEN false ELSE {every} END"


def _check_order(order: str) -> None:
    if order not in DATE_ORDERS:
        raise ValueError(f"date order must be one of {DATE_ORDERS}, not {order!r}")


# ---------------------------------------------------------------------------------------------
# amounts and currencies
# ---------------------------------------------------------------------------------------------
def _amount_is_negative(c: str) -> str:
    """SQL: TRUE when a cell of _AMOUNT_SHAPE is negative. The shape allows one sign mark at
    most, so substring tests suffice, and they are cheaper than another regex."""
    return (
        f"(contains({c}, '(') OR contains({c}, '-') OR contains({c}, chr(8722)) "
        f"OR {c} ILIKE '%cr%')"
    )


def amount_sql(col: str) -> str:
    """DuckDB SQL expression turning the VARCHAR expression `col` into DECIMAL(18,2).

    NULL when the cell is not an amount. Three tiers, each only for the rows the one before
    left NULL:

    1. plain numbers (1234.5, -50, 1.5E3, 7398.5599999999995): DuckDB's DECIMAL cast, which
       rounds half away from zero to 2 dp, as we want for Excel float artefacts (it also reads
       1_000 as 1000, which we let be). A DOUBLE cast guards it: it fails 3x cheaper, and cells
       with a comma or £ skip even that;
    2. thousands commas and a leading £ or $: one small regex, then replace() and the cast;
    3. anything else (codes, €, brackets, CR, spaces): one regex validates the layout, the sign
       comes from substring tests and the digits from one anchored extract.
    """
    c = f"({col})"
    plain = (
        f"CASE WHEN NOT contains({c}, ',') AND NOT contains({c}, '£') "
        f"AND try_cast({c} AS DOUBLE) IS NOT NULL THEN try_cast({c} AS DECIMAL(18,2)) END"
    )
    stripped = f"replace(replace(replace({c}, ',', ''), '£', ''), '$', '')"
    simple = (
        f"CASE WHEN regexp_matches({c}, {_lit(_AMOUNT_SIMPLE)}) "
        f"THEN try_cast({stripped} AS DECIMAL(18,2)) END"
    )
    sign = f"CASE WHEN {_amount_is_negative(c)} THEN '-' ELSE '' END"
    extract = f"regexp_extract({c}, {_lit(_AMOUNT_DIGITS)}, 1)"
    digits = f"replace(replace({extract}, ',', ''), ' ', '')"
    general = (
        f"CASE WHEN regexp_matches({c}, {_lit(_AMOUNT_SHAPE)}) "
        f"THEN try_cast({sign} || {digits} AS DECIMAL(18,2)) END"
    )
    return f"COALESCE({plain}, {simple}, {general})"


def currency_sql(col: str, default: str) -> str:
    """SQL expression giving the ISO currency found in the cell (symbol or code), else `default`.

    A bare $ (or an undecodable symbol) gives `default` too: $ is CAD in Canada and USD in the
    US, so only the file's own currency can say which. The first token wins; amount_sql rejects
    cells with two. £ and € are found by substring tests and plain numbers by one DFA regex, so
    only cells with a code or a dollar pay for extracting the token.
    """
    code = default.strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise ValueError(f"default currency must be a 3-letter ISO code, not {default!r}")
    c = f"({col})"
    # The token is looked up in one ASCII string of fixed-width entries, "|" + key padded to
    # three characters with "_" + code, so that it is written once: written twice (say, in a
    # CASE), DuckDB would extract it for every row, not just for the rows that get this far.
    # The string starts with "..." + default, where strpos = 0 (not found) lands.
    entries = (f"|{key.ljust(3, '_')}{value or code}" for key, value in _TOKEN_CODES.items())
    table = _lit(f"...{code}" + "".join(entries))
    token = f"upper(regexp_extract({c}, {_lit(_ASCII_TOKEN)}, 1))"
    found = f"strpos({table}, '|' || rpad({token}, 3, '_'))"
    euro = " OR ".join(f"contains({c}, {_text(symbol)})" for symbol in _EURO)
    return (
        f"CASE WHEN contains({c}, {_lit(_POUND)}) THEN 'GBP' "
        f"WHEN regexp_matches({c}, {_lit(_NO_CURRENCY)}) THEN {_lit(code)} "
        f"WHEN {euro} THEN 'EUR' "
        # Extracting with this many alternatives is slow when nothing matches (RE2 backtracks
        # through them all), so a plain match, which RE2 runs as a DFA, goes first.
        f"WHEN NOT regexp_matches({c}, {_lit(_ASCII_TOKEN)}) THEN {_lit(code)} "
        f"ELSE coalesce(substr({table}, {found} + 4, 3), {_lit(code)}) END"
    )


def amount_problem_sql(col: str) -> str:
    """NULL when the cell is a valid amount, else a short human reason for the rejects report.

    The reasons point at the fix: an empty cell, a number too large for DECIMAL(18,2), signs or
    currencies that contradict each other ("(-5)", "-5 CR", "£5 EUR"), a comma that is not a
    thousands separator (a decimal comma cannot be told from a typo, so it is not guessed).
    """
    c = f"({col})"
    # REAL, not DOUBLE: amount_sql casts the cell to DOUBLE, and a shared subexpression would be
    # computed for every row (see the module docstring), not just for the rejected ones.
    too_large = (
        f"regexp_matches(replace({c}, ',', ''), '[0-9]{{17}}') "
        f"OR abs(try_cast({c} AS REAL)) >= {_AMOUNT_MAX}"
    )
    why = (
        f"CASE WHEN {too_large} THEN ' is too large' "
        f"WHEN regexp_matches({c}, {_lit(_AMOUNT_LOOSE)}) "
        "THEN ' has conflicting signs, brackets or currencies' "
        f"WHEN regexp_matches({c}, '[0-9], ?[0-9]') "
        "THEN ' has a comma that is not a thousands separator' "
        "ELSE ' is not a number' END"
    )
    return (
        f"CASE WHEN {amount_sql(col)} IS NOT NULL THEN NULL "
        f"WHEN {_is_blank(c)} THEN 'amount is empty' "
        f"ELSE 'amount ' || {_show(c)} || {why} END"
    )


# ---------------------------------------------------------------------------------------------
# dates
# ---------------------------------------------------------------------------------------------
def _strptime_date(text: str, fmt: str) -> str:
    return f"CAST(try_strptime({text}, {_lit(fmt)}) AS DATE)"


def _by_separator(c: str, fmt: str, separators: str) -> str:
    """SQL: try_strptime with `fmt` spelled with the separator the cell uses (commonest first).

    Picking the format with contains() is cheaper than normalising separators with replace(),
    and one failed strptime costs several successful ones. A cell with mixed separators
    (01/04-2023) finds no format here and is left to the slow rewrite.
    """
    whens = " ".join(
        f"WHEN contains({c}, {_lit(sep)}) THEN {_strptime_date(c, fmt.format(sep=sep))}"
        for sep in separators
    )
    return f"CASE {whens} END"


def _month_name_date(text: str) -> str:
    canonical = _rewrite(text, _MONTH_NAME_SHAPE, _MONTH_NAME_REPL)
    return _strptime_date(canonical, _MONTH_NAME_FORMAT)


def _french_to_english(c: str) -> str:
    expr = f"lower({c})"
    for french, english in _FRENCH_MONTHS:
        expr = f"replace({expr}, {_lit(french)}, {_lit(english)})"
    return expr


def _with_century(d: str) -> str:
    """SQL: the DATE `d` with a two-digit year (read as year 0-99) moved to 2000-2069 or
    1970-1999; NULL for years 100-999, which no spend file has and only a garbled cell gives.

    One fix for all branches keeps each branch a single parse; `d` is written several times here
    on purpose: DuckDB computes it once (see the module docstring).
    """
    return (
        f"CASE WHEN year({d}) >= 1000 THEN {d} "
        f"WHEN year({d}) BETWEEN 70 AND 99 THEN CAST({d} + INTERVAL '1900' YEAR AS DATE) "
        f"WHEN year({d}) BETWEEN 0 AND 69 THEN CAST({d} + INTERVAL '2000' YEAR AS DATE) END"
    )


@dataclass(frozen=True)
class Periods:
    """How date_sql reads a date column that gives periods, not days: ``kind`` 'fiscal' (a
    fiscal year, dated the first day of the fiscal year starting ``fiscal_start``) or 'month'
    (dated the first day of the month)."""

    kind: str
    fiscal_start: tuple[int, int] = (4, 1)


def _period_dates(c: str, periods: Periods) -> list[str]:
    """SQL branches dating a period by its first day (see _FISCAL_PAIR)."""
    month, day = periods.fiscal_start
    first = f"CAST(regexp_extract({c}, {_lit(_FISCAL_PAIR)}, 1) AS INTEGER)"
    second = f"CAST(regexp_extract({c}, {_lit(_FISCAL_PAIR)}, 2) AS INTEGER)"
    fiscal = (
        f"CASE WHEN regexp_matches({c}, {_lit(_FISCAL_PAIR)}) AND {second} % 100 = ({first} + 1) % 100 "
        f"THEN make_date({first}, {int(month)}, {int(day)}) END"
    )
    year_month = (
        f"CASE WHEN regexp_matches({c}, {_lit(_YEAR_MONTH)}) THEN make_date("
        f"CAST(regexp_extract({c}, {_lit(_YEAR_MONTH)}, 1) AS INTEGER), "
        f"CAST(regexp_extract({c}, {_lit(_YEAR_MONTH)}, 2) AS INTEGER), 1) END"
    )
    month_name = _strptime_date(
        f"regexp_extract({c}, {_lit(_MONTH_YEAR)}, 2) || ' ' || "
        f"regexp_extract({c}, {_lit(_MONTH_YEAR)}, 1) || ' 1'",
        _MONTH_NAME_FORMAT,
    )
    month_year = f"CASE WHEN regexp_matches({c}, {_lit(_MONTH_YEAR)}) THEN {month_name} END"
    return [fiscal] if periods.kind == "fiscal" else [year_month, month_year]


def date_sql(col: str, order: str, periods: Periods | None = None) -> str:
    """SQL expression turning raw cell text into DATE (NULL when not a date).

    `order` ('dmy' or 'mdy') is decided once per file (see decide_date_order) and applies to
    every numeric a/b/y cell: with 'dmy', '12/25/2023' is NULL, never silently read month-first,
    because guessing per row would mix two readings of one column.

    Common clean forms come first, each a guarded native parse; padded, timed, spelled-out,
    compact and French forms follow as regex rewrites that only the remaining rows pay for.
    With ``periods``, a period with no day (a fiscal year, an accounting month: see Periods) is
    dated its first day, for files that date lines no closer.
    """
    _check_order(order)
    c = f"({col})"
    fast = [
        f"CASE WHEN {c} GLOB {_lit(_ISO_GLOB)} THEN try_cast({c} AS DATE) END",
        f"CASE WHEN {c} GLOB {_lit(_SERIAL_GLOB)} AND regexp_matches({c}, {_lit(_SERIAL_GUARD)}) "
        f"THEN {_EXCEL_EPOCH} + CAST(floor(try_cast({c} AS DOUBLE)) AS INTEGER) END",
        f"CASE WHEN regexp_matches({c}, {_lit(_ABY_GUARD)}) "
        f"THEN {_by_separator(c, _ABY_FORMAT[order], '/-.')} END",
        f"CASE WHEN regexp_matches({c}, {_lit(_D_MON_Y_GUARD)}) "
        f"THEN {_by_separator(c, '%d{sep}%b{sep}%Y', '- /.')} END",
        f"CASE WHEN regexp_matches({c}, {_lit(_D_MONTH_Y_GUARD)}) "
        f"THEN {_by_separator(c, '%d{sep}%B{sep}%Y', ' -/.')} END",
    ]
    slow = [
        f"try_cast({_rewrite(c, _NUMERIC_SHAPE, _NUMERIC_REPL[order])} AS DATE)",
        _month_name_date(c),
        f"try_cast({_rewrite(c, _COMPACT_SHAPE, _COMPACT_REPL)} AS DATE)",
        _month_name_date(_french_to_english(c)),
        *(_period_dates(c, periods) if periods else []),
    ]
    # Empty cells would otherwise walk through every slow rewrite.
    parsed = (
        f"COALESCE({', '.join(fast)}, CASE WHEN {c} <> '' THEN COALESCE({', '.join(slow)}) END)"
    )
    return _with_century(parsed)


def date_problem_sql(col: str, order: str, periods: Periods | None = None) -> str:
    """NULL when the cell is a valid date (under the file's `order`), else a reason.

    A cell readable only in the other order gets its own reason, so the rejects report shows at
    once that the file mixes day-first and month-first dates.
    """
    _check_order(order)
    c = f"({col})"
    other = "mdy" if order == "dmy" else "dmy"
    why = (
        f"CASE WHEN regexp_matches({c}, {_lit(_ONLY_READABLE[other])}) "
        f"THEN {_lit(f' is {_ORDER_NAMES[other]} but this file reads dates {_ORDER_NAMES[order]}')} "
        f"WHEN regexp_matches({c}, {_lit(_DATE_LIKE)}) THEN ' is not a valid date' "
        f"WHEN regexp_matches({c}, {_lit(_NUMBER_LIKE)}) "
        "THEN ' is a number, not an Excel date (20000 to 80000)' "
        "ELSE ' is not a recognised date' END"
    )
    return (
        f"CASE WHEN {date_sql(col, order, periods)} IS NOT NULL THEN NULL "
        f"WHEN {_is_blank(c)} THEN 'date is empty' "
        f"ELSE 'date ' || {_show(c)} || {why} END"
    )


def date_order_evidence_sql(col: str) -> str:
    """A SELECT-list fragment of aggregates over a column of raw date cells.

    Output names: iso_votes (year-first numeric dates), dmy_votes (like 25/12/2023, readable
    only day-first), mdy_votes (like 12/25/2023, readable only month-first) and total_dates
    (non-blank cells). Every cell is counted, not a sample: one 13th of a month settles it.
    """
    c = f"({col})"

    def votes(pattern: str) -> str:
        return f"count(CASE WHEN regexp_matches({c}, {_lit(pattern)}) THEN 1 END)"

    return (
        f"{votes(_ISO_VOTE)} AS iso_votes, "
        f"{votes(_ONLY_READABLE['dmy'])} AS dmy_votes, "
        f"{votes(_ONLY_READABLE['mdy'])} AS mdy_votes, "
        f"count(CASE WHEN NOT {_is_blank(c)} THEN 1 END) AS total_dates"
    )


def _dates(n: int) -> str:
    return f"{n} date" if n == 1 else f"{n} dates"


def decide_date_order(
    iso_votes: int, dmy_votes: int, mdy_votes: int, default: str
) -> tuple[str, str]:
    """Pick the file's numeric date order from the votes; returns (order, explanation).

    Unambiguous cells decide; with none, the workspace setting does and the report says it was
    assumed. With both kinds present the majority wins (a tie goes to the setting) and the
    minority is rejected rather than read the other way: a column written in two orders means
    its ambiguous cells cannot be trusted either way, and the report should say so.
    """
    _check_order(default)
    if dmy_votes and mdy_votes:
        if dmy_votes == mdy_votes:
            order = default
            head = (
                f"mixed: {_dates(dmy_votes)} like 25/12/2023 and as many like 12/25/2023; "
                f"assumed {default} (setting ingest.date_order)"
            )
        else:
            order = "dmy" if dmy_votes > mdy_votes else "mdy"
            head = (
                f"{_ORDER_NAMES[order]}: {_dates(dmy_votes)} like 25/12/2023, "
                f"{_dates(mdy_votes)} like 12/25/2023"
            )
        other = "mdy" if order == "dmy" else "dmy"
        losers = mdy_votes if order == "dmy" else dmy_votes
        rows = "row" if losers == 1 else "rows"
        return order, f"{head}; the {losers} {_ORDER_NAMES[other]} {rows} will be rejected"
    if dmy_votes:
        return "dmy", f"day-first: {_dates(dmy_votes)} like 25/12/2023, none month-first"
    if mdy_votes:
        return "mdy", f"month-first: {_dates(mdy_votes)} like 12/25/2023, none day-first"
    explanation = f"ambiguous (no day above 12): assumed {default} (setting ingest.date_order)"
    if iso_votes:
        explanation += f"; {_dates(iso_votes)} year-first, which need no order"
    return default, explanation
