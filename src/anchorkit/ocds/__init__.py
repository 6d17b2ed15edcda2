"""OCDS (Open Contracting Data Standard) in and out: see docs/ocds.md.

``anchorkit ingest`` reads OCDS JSON through :mod:`anchorkit.ocds.load` (awards become spend
lines); :func:`export_ocds` writes the awards anchorkit knows as an OCDS 1.1 release package and
:func:`validate_package` checks one against the vendored official schema, offline.
"""

from anchorkit.ocds.export import export_ocds
from anchorkit.ocds.read import read_ocds
from anchorkit.ocds.validate import validate_package

__all__ = ["export_ocds", "read_ocds", "validate_package"]
