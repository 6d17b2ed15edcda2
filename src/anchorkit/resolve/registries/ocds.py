"""OCDS packages: Contracts Finder's SME and VCSE supplier flags, imported as a registry.

Each supplier party is grouped (by Companies House number, else name and postcode) and handed
to the shared pipeline in the same shape as a table file's cells.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from anchorkit.engine import Engine
from anchorkit.errors import AnchorkitError, NoDataError, UnreadableFileError
from anchorkit.resolve.registries.columns import check_registry_name
from anchorkit.resolve.registries.parse import _register_tag_values
from anchorkit.resolve.registries.sql import CELLS, OCDS_ROWS
from anchorkit.resolve.registries.store import (
    RegistryImportResult,
    _already_imported,
    _drop_work,
    _finish,
    _sha256,
)
from anchorkit.resolve.registries.tags import DEFAULT_SPLIT
from anchorkit.workspace import Workspace

OCDS_REGISTRY = "contracts-finder"

#: OCDS ``details.scale`` values (partyScale codelist and Contracts Finder's) that mean an SME.
SME_SCALES = frozenset({"sme", "micro", "small", "medium", "selfemployed"})
_UK_POSTCODE = re.compile(r"(?<![A-Z0-9])([A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2})")


@dataclass
class _Occurrence:
    """One supplier party in one release: where it is in the file and what it says."""

    number: int  # 1-based, in file order: the "row" of an OCDS file
    release: Mapping[str, Any]
    party: Mapping[str, Any]

    @property
    def date(self) -> str:
        return str(self.release.get("date") or "")

    @property
    def details(self) -> Mapping[str, Any]:
        details = self.party.get("details")
        return details if isinstance(details, dict) else {}

    @property
    def stated(self) -> bool:
        return self.details.get("scale") is not None or self.details.get("vcse") is not None

    @property
    def tags(self) -> tuple[str, ...]:
        scale = str(self.details.get("scale") or "").replace("-", "").replace("_", "").lower()
        vcse = self.details.get("vcse")
        is_vcse = vcse is True or str(vcse).strip().lower() in ("true", "yes", "1")
        return tuple(
            t for t, on in (("sme", scale in SME_SCALES), ("social_enterprise", is_vcse)) if on
        )

    @property
    def identifier(self) -> Mapping[str, Any]:
        ident = self.party.get("identifier")
        return ident if isinstance(ident, dict) else {}

    @property
    def name(self) -> str:
        """The legal name when given (what Companies House and invoices say), else the name."""
        return str(self.identifier.get("legalName") or self.party.get("name") or "").strip()

    @property
    def address(self) -> Mapping[str, Any]:
        address = self.party.get("address")
        return address if isinstance(address, dict) else {}

    @property
    def postcode(self) -> str | None:
        """``postalCode``, else the last UK postcode in the street address (Contracts Finder
        leaves postalCode empty and writes the postcode into the street text)."""
        if self.address.get("postalCode"):
            return str(self.address["postalCode"]).strip().upper()
        found = _UK_POSTCODE.findall(str(self.address.get("streetAddress") or ""))
        return found[-1] if found else None

    @property
    def coh(self) -> str | None:
        """The Companies House number as an org-id (``GB-COH-01234567``), zero-padded to 8."""
        if self.identifier.get("scheme") != "GB-COH" or not self.identifier.get("id"):
            return None
        number = re.sub(r"\s+", "", str(self.identifier["id"])).upper()
        if number.isdigit() and len(number) < 8:
            number = number.zfill(8)
        return f"GB-COH-{number}"

    def group(self) -> tuple[str, ...]:
        """Which occurrences are the same supplier: its company number, else name and postcode."""
        if self.coh:
            return ("coh", self.coh)
        if not self.name:
            return ("row", str(self.number))
        return ("name", " ".join(self.name.lower().split()), (self.postcode or "").replace(" ", ""))


def _ocds_occurrences(path: Path) -> list[_Occurrence]:
    try:
        data = json.loads(path.read_bytes().decode("utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UnreadableFileError(
            f"{path.name}: looks like JSON but cannot be read as JSON ({exc})."
        ) from exc
    releases: list[Any] = []
    if isinstance(data, dict) and isinstance(data.get("releases"), list):
        releases = data["releases"]
    elif isinstance(data, dict) and isinstance(data.get("records"), list):
        releases = [r.get("compiledRelease") for r in data["records"] if isinstance(r, dict)]
    else:
        raise UnreadableFileError(
            f"{path.name}: a JSON file, but not an OCDS release or record package (no "
            "'releases' or 'records' list). Registries in JSON are read only as OCDS."
        )
    found: list[_Occurrence] = []
    for release in releases:
        if not isinstance(release, dict):
            continue
        for party in release.get("parties") or []:
            if isinstance(party, dict) and "supplier" in (party.get("roles") or []):
                found.append(_Occurrence(len(found) + 1, release, party))
    if not found:
        raise NoDataError(f"{path.name}: the OCDS package names no supplier party.")
    return found


def _ocds_row(chosen: _Occurrence, group: Sequence[_Occurrence]) -> dict[str, Any]:
    """One registry row for one supplier: the latest notice stating its flags decides them."""
    same = [o for o in group if o.stated and o.tags == chosen.tags]
    since = min(o.date for o in same)[:10] or None
    other_name = str(chosen.party.get("name") or "").strip()
    extra = {
        "party_id": chosen.party.get("id"),
        "identifier_scheme": chosen.identifier.get("scheme"),
        "identifier_id": chosen.identifier.get("id"),
        "other_name": other_name if other_name and other_name != chosen.name else None,
        "scale": chosen.details.get("scale"),
        "vcse": chosen.details.get("vcse"),
        "ocid": chosen.release.get("ocid"),
        "release_id": chosen.release.get("id"),
        "release_date": chosen.release.get("date"),
        "notices": len(group),
        "first_seen": min(o.date for o in group) or None,
        "last_seen": max(o.date for o in group) or None,
    }
    raw = {
        "ocid": chosen.release.get("ocid"),
        "release_id": chosen.release.get("id"),
        "party": chosen.party,
    }
    return {
        "source_row": chosen.number,
        "name": chosen.name or None,
        "address": str(chosen.address.get("streetAddress") or "").strip() or None,
        "postcode": chosen.postcode,
        "city": str(chosen.address.get("locality") or "").strip() or None,
        "registry_id": chosen.coh,
        "certified_on": since,
        "row_tags": list(chosen.tags),
        "extra": json.dumps(extra, ensure_ascii=False),
        "raw_cells": json.dumps(raw, ensure_ascii=False),
    }


def _ocds_rows(
    occurrences: Sequence[_Occurrence], result: RegistryImportResult
) -> list[dict[str, Any]]:
    """Group occurrences by supplier; a supplier is a data row when its flags give a tag."""
    groups: dict[tuple[str, ...], list[_Occurrence]] = {}
    for occurrence in occurrences:
        groups.setdefault(occurrence.group(), []).append(occurrence)
    rows: list[dict[str, Any]] = []
    repeated = unflagged = conflicting = 0
    for group in groups.values():
        stated = [o for o in group if o.stated]
        chosen = max(stated, key=lambda o: (o.date, o.number)) if stated else None
        if chosen is None or not chosen.tags:
            unflagged += len(group)
            continue
        conflicting += len({o.tags for o in stated}) > 1
        repeated += len(group) - 1
        rows.append(_ocds_row(chosen, group))
    result.rows_skipped = {"not_sme_or_vcse": unflagged, "repeated_supplier": repeated}
    result.notes.append(
        f"{len(occurrences)} supplier parties, {len(groups)} suppliers (by Companies House "
        "number, else name and postcode); suppliers flagged neither SME nor VCSE are skipped"
    )
    if conflicting:
        result.notes.append(
            f"{conflicting} suppliers have different SME/VCSE flags in different notices; the "
            "latest notice's flags are used"
        )
    odd = sorted({o.coh for o in occurrences if o.coh and len(o.coh) != len("GB-COH-") + 8})
    if odd:
        result.notes.append(
            f"Companies House numbers that are not 8 characters, kept as given: {odd}"
        )
    return rows


def import_ocds_supplier_flags(
    ws: Workspace, path: Path | str, registry: str = OCDS_REGISTRY
) -> RegistryImportResult:
    """Record the suppliers an OCDS package flags as SME or VCSE as a registry's entries.

    Contracts Finder publishes, per supplier party, ``details.scale`` ('sme' or 'large') and
    ``details.vcse`` (voluntary, community and social enterprise): the closest thing the UK has
    to a register of small and social suppliers. Each supplier (by Companies House number, else
    by name and postcode) becomes one entry tagged ``sme`` and/or ``social_enterprise``, its
    ``entry_id`` the ``GB-COH-…`` org-id where it has one; the latest notice stating its flags
    decides them, and ``certified_on`` is the first notice in the file stating those flags.
    """
    path = Path(path)
    name = check_registry_name(registry)
    result = RegistryImportResult(file=str(path), registry=name, format="ocds")
    try:
        result.file_id = _sha256(path)
        if not _already_imported(ws, path, result):
            rows = _ocds_rows(_ocds_occurrences(path), result)
            result.rows_read = len(rows)
            if not rows:
                raise NoDataError(f"{path.name}: no supplier is flagged SME or VCSE.")
            _ocds_cells(ws.engine, rows)
            _register_tag_values(ws.engine, [], None)
            _finish(ws, path, [], "dmy", result)
    except AnchorkitError as exc:
        result.error = str(exc)
    finally:
        _drop_work(ws.engine)
    return result


def _ocds_cells(engine: Engine, rows: Sequence[Mapping[str, Any]]) -> None:
    """The OCDS suppliers in the same shape as a table file's cells, for the shared pipeline."""
    text = pa.string()
    table = pa.table(
        {
            "source_row": pa.array([r["source_row"] for r in rows], pa.int64()),
            **{
                c: pa.array([r.get(c) for r in rows], text)
                for c in ("name", "address", "postcode", "city", "registry_id", "certified_on")
            },
            "row_tags": pa.array([r["row_tags"] for r in rows], pa.list_(text)),
            "extra": pa.array([r["extra"] for r in rows], text),
            "raw_cells": pa.array([r["raw_cells"] for r in rows], text),
        }
    )
    engine.register(OCDS_ROWS, table)
    engine.run(
        "registry_cells",
        f"""
        CREATE OR REPLACE TEMP VIEW {CELLS} AS
        SELECT NULL::VARCHAR AS sheet, source_row, 'data' AS kind, name, address, postcode, city,
            registry_id, certified_on, NULL::VARCHAR AS expires_on, NULL::VARCHAR AS status,
            NULL::VARCHAR AS tag_text, '' AS tag_vocab, '{DEFAULT_SPLIT}' AS tag_split,
            row_tags, extra::JSON AS extra, raw_cells::JSON AS raw_cells
        FROM {OCDS_ROWS}
        """,
    )
