"""Registries: lists of certified, owned or member businesses, imported as snapshots.

A supplier only counts as Indigenous-owned, a co-op or a social enterprise when a registry says
so, with the dates it says so. This package loads such lists (the BC Indigenous business
listings, Co-operatives UK's open data, Maryland's MBE/DBE directory, the SME and VCSE flags of
Contracts Finder's OCDS notices...) into ``registry_entry``; linkage later matches suppliers to
entries and copies their tags, with those dates, to ``supplier_tag``.

The guarantees are spend ingest's (see ``anchorkit.ingest.load``), for the same reasons:

* a file is identified by the SHA-256 of its bytes, so importing it again changes nothing;
* everything is written in one transaction: the ``registry_file`` record, the entries and the
  rejected rows land together or not at all;
* every data row is either an entry or a ``registry_rejected_row`` with its raw cells and every
  reason (``rows_read == rows_loaded + rows_rejected``), never dropped silently.

A registry is a snapshot of who is certified *now*, so a newer file of the same registry
replaces all of its entries (the older file's record and rejected rows are kept as history).

The named SQL steps, in order: ``registry_cells`` (each raw row's kind and its cells under the
registry's columns), ``parse_registry_rows`` (typed values, tags and reasons),
``key_registry_rows`` (entry ids and duplicates), then ``record_registry_file``,
``replace_registry_entries``, ``load_registry_entries`` and ``load_registry_rejected_rows``
inside the transaction.

The modules, in the order an import goes through them: ``tags`` (allowed tags and tag-column
vocabularies), ``columns`` (registry columns, header synonyms, registry names, mapping files),
``headers`` (each sheet's header row and columns), ``sql`` (SQL fragments, temporary table
names); then the entry points ``load`` (``import_registry``: table files) or ``ocds``
(Contracts Finder's supplier flags); then ``parse`` (the shared SQL steps) and ``store`` (the
ledger and the one transaction). ``listing`` lists what was imported.
"""

from __future__ import annotations

from collections.abc import Callable

from anchorkit.resolve.registries.columns import LABELS as LABELS
from anchorkit.resolve.registries.columns import MAPPABLE as MAPPABLE
from anchorkit.resolve.registries.columns import (
    REGISTRY_COLUMNS,
    RegistryMapping,
    load_registry_mapping,
)
from anchorkit.resolve.registries.columns import TYPED as TYPED
from anchorkit.resolve.registries.columns import check_registry_name as check_registry_name
from anchorkit.resolve.registries.columns import header_score as header_score
from anchorkit.resolve.registries.listing import RegistrySummary, list_registries
from anchorkit.resolve.registries.load import import_registry
from anchorkit.resolve.registries.ocds import OCDS_REGISTRY, import_ocds_supplier_flags
from anchorkit.resolve.registries.ocds import SME_SCALES as SME_SCALES
from anchorkit.resolve.registries.sql import CELLS as CELLS
from anchorkit.resolve.registries.sql import FINAL as FINAL
from anchorkit.resolve.registries.sql import OCDS_ROWS as OCDS_ROWS
from anchorkit.resolve.registries.sql import PARSED as PARSED
from anchorkit.resolve.registries.sql import SHEET_KEY as SHEET_KEY
from anchorkit.resolve.registries.sql import TAG_VALUES as TAG_VALUES
from anchorkit.resolve.registries.store import RegistryImportResult
from anchorkit.resolve.registries.tags import DEFAULT_SPLIT as DEFAULT_SPLIT
from anchorkit.resolve.registries.tags import TagRule, allowed_tags, check_tags
from anchorkit.resolve.registries.tags import Vocabulary as Vocabulary
from anchorkit.resolve.registries.tags import ended_statuses as ended_statuses
from anchorkit.resolve.registries.tags import tag_definitions as tag_definitions
from anchorkit.resolve.registries.tags import vocabularies as vocabularies

__all__ = [
    "OCDS_REGISTRY",
    "REGISTRY_COLUMNS",
    "RegistryImportResult",
    "RegistryMapping",
    "RegistrySummary",
    "TagRule",
    "allowed_tags",
    "check_tags",
    "import_ocds_supplier_flags",
    "import_registry",
    "list_registries",
    "load_registry_mapping",
]

#: Tests set this to a function that raises on a chosen step, to prove that a crash mid-import
#: leaves the store unchanged. It is called with the name of each write step in the transaction.
#: It lives here, on the package, because that is where tests set it; ``store._fault`` reads it.
FAULT_HOOK: Callable[[str], None] | None = None
