"""Load an OCDS file's awards into the store, with the same guarantees as any spend file.

An award is the unit the ledger counts (``rows_read == rows_loaded + rows_rejected``, in
awards): a loaded award becomes one spend line per supplier, a rejected one a rejected row
whose ``sheet`` is the award's JSON pointer. An award shared by several suppliers (a framework)
has its value split equally between them, to the cent, so that totals count it once; the
award's full value, its identifiers and the suppliers' OCDS facts (identifier, scale, VCSE) are
kept in ``ocds_award`` for the export. Everything is written in one transaction, with the
``source_file`` record that makes a re-ingest of the same bytes a no-op.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa

from anchorkit import source_files
from anchorkit.ocds.award import Award
from anchorkit.ocds.read import OcdsFile, read_ocds
from anchorkit.source_files import FileResult, file_digest
from anchorkit.workspace import Anchor, Workspace

LINES = "__anchorkit__ocds_lines"
FACTS = "__anchorkit__ocds_facts"
REJECTS = "__anchorkit__ocds_rejects"


def split_cents(amount: Decimal, parts: int) -> list[Decimal]:
    """``amount`` in ``parts`` shares that differ by at most a cent and add up exactly.

    >>> split_cents(Decimal("10.00"), 3)
    [Decimal('3.34'), Decimal('3.33'), Decimal('3.33')]
    """
    base, extra = divmod(int(amount * 100), parts)
    return [Decimal(base + (1 if i < extra else 0)) / 100 for i in range(parts)]


def ingest_ocds(
    ws: Workspace, path: Path, anchor: Anchor, *, uploaded_by: str | None = None
) -> FileResult:
    """Ingest one OCDS JSON file for one anchor (see the module docstring)."""
    file_id, _ = file_digest(path)
    result = FileResult(file=str(path), file_id=file_id)
    if source_files.already_loaded(ws, path, anchor, result):
        return result
    found = read_ocds(path, str(ws.settings["currency"]))
    _mark_loaded_before(ws, found.awards)
    loaded = [a for a in found.awards if not a.reasons]
    result.format, result.encoding = found.format, "utf-8"
    result.rows_read = len(found.awards)
    result.rows_loaded = len(loaded)
    result.rows_rejected = result.rows_read - result.rows_loaded
    if found.releases_without_awards:
        result.rows_skipped = {"release without awards": found.releases_without_awards}
    result.notes.extend(_notes(found, loaded))
    _write(ws, path, anchor, found, loaded, result, uploaded_by)
    return result


def _count(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _notes(found: OcdsFile, loaded: list[Award]) -> list[str]:
    lines = sum(len(a.suppliers) for a in loaded)
    kind = found.format.removeprefix("ocds-").replace("-", " ")
    notes = [
        f"OCDS {kind}: {_count(found.releases, 'release')}, {_count(len(found.awards), 'award')}; "
        f"{_count(len(loaded), 'award')} loaded as {_count(lines, 'spend line')} "
        "(one per supplier)"
    ]
    shared = sum(1 for a in loaded if len(a.suppliers) > 1)
    if shared:
        notes.append(
            f"{_count(shared, 'award')} with several suppliers: each such award's value is split "
            "equally between them (to the cent), so the award is counted once"
        )
    return notes


def _mark_loaded_before(ws: Workspace, awards: list[Award]) -> None:
    """An award already loaded from another file stays as it was: counting it again would
    double the spend. The new version is rejected, naming the file that holds the award."""
    keys = {a.key for a in awards if a.key is not None and not a.reasons}
    if not keys:
        return
    ws.engine.register(
        "__anchorkit__ocds_keys",
        pa.table(
            {"ocid": [k[0] for k in keys], "award_id": [k[1] for k in keys]},
            schema=pa.schema([("ocid", pa.string()), ("award_id", pa.string())]),
        ),
    )
    try:
        rows = ws.engine.query(
            "ocds_awards_loaded_before",
            "SELECT DISTINCT o.ocid, o.award_id, f.name FROM ocds_award o "
            "JOIN __anchorkit__ocds_keys k USING (ocid, award_id) "
            "JOIN source_file f USING (file_id)",
        )
    finally:
        ws.engine.unregister("__anchorkit__ocds_keys")
    before = {(ocid, award_id): name for ocid, award_id, name in rows}
    for award in awards:
        if award.key in before and not award.reasons:
            award.reasons.append(
                f"this award was already loaded from {before[award.key]}; remove that file "
                "first to load this version"
            )


def _tables(
    awards: list[Award], file_id: str, anchor_id: int, first_line: int, fy_start: tuple[int, int]
) -> tuple[pa.Table, pa.Table]:
    """The spend lines and their OCDS facts, one row per award supplier."""
    month, day = fy_start
    lines: dict[str, list[Any]] = {k: [] for k in _LINE_COLUMNS}
    facts: dict[str, list[Any]] = {k: [] for k in _FACT_COLUMNS}
    line_id = first_line
    for award in awards:
        assert award.value is not None and award.paid_on is not None
        paid = award.paid_on
        fiscal_year = paid.year if (paid.month, paid.day) >= (month, day) else paid.year - 1
        for supplier, share in zip(
            award.suppliers, split_cents(award.value, len(award.suppliers)), strict=True
        ):
            pointer = f"{award.pointer}/suppliers/{supplier.index}"
            for column, value in zip(
                _LINE_COLUMNS,
                (
                    line_id,
                    file_id,
                    pointer,
                    award.ordinal,
                    anchor_id,
                    paid,
                    fiscal_year,
                    share,
                    award.currency,
                    supplier.name,
                    supplier.ref,
                    supplier.postcode,
                    award.title or award.description,
                    award.raw_category,
                    award.award_id,
                ),
                strict=True,
            ):
                lines[column].append(value)
            for column, value in zip(
                _FACT_COLUMNS,
                (
                    line_id,
                    file_id,
                    anchor_id,
                    award.pointer,
                    award.ocid,
                    award.release_id,
                    award.release_date,
                    award.award_id,
                    award.status,
                    award.date,
                    award.value,
                    award.currency,
                    award.title,
                    award.description,
                    json.dumps(award.classification, default=str) if award.classification else None,
                    award.buyer_id,
                    award.buyer_name,
                    supplier.index,
                    supplier.party_id,
                    supplier.name,
                    supplier.scheme,
                    supplier.identifier,
                    supplier.legal_name,
                    supplier.postcode,
                    json.dumps(supplier.address, default=str) if supplier.address else None,
                    supplier.scale,
                    supplier.vcse,
                ),
                strict=True,
            ):
                facts[column].append(value)
            line_id += 1
    return (
        pa.table(lines, schema=pa.schema(list(_LINE_COLUMNS.items()))),
        pa.table(facts, schema=pa.schema(list(_FACT_COLUMNS.items()))),
    )


def _rejects_table(rejected: list[Award], file_id: str, anchor_id: int) -> pa.Table:
    """Rejected awards as rejected rows: the award's JSON pointer in ``sheet``, its place among
    the file's awards in ``source_row``, the award object itself as its cells."""
    return pa.table(
        {
            "file_id": pa.array([file_id] * len(rejected), pa.string()),
            "anchor_id": pa.array([anchor_id] * len(rejected), pa.int32()),
            "sheet": pa.array([a.pointer for a in rejected], pa.string()),
            "source_row": pa.array([a.ordinal for a in rejected], pa.int64()),
            "raw_cells": pa.array([json.dumps(a.raw, default=str) for a in rejected], pa.string()),
            "reasons": pa.array([a.reasons for a in rejected], pa.list_(pa.string())),
        }
    )


_MONEY = pa.decimal128(18, 2)
_LINE_COLUMNS: dict[str, pa.DataType] = {
    "line_id": pa.int64(),
    "file_id": pa.string(),
    "sheet": pa.string(),
    "source_row": pa.int64(),
    "anchor_id": pa.int32(),
    "paid_on": pa.date32(),
    "fiscal_year": pa.int32(),
    "amount": _MONEY,
    "currency": pa.string(),
    "supplier_name": pa.string(),
    "supplier_ref": pa.string(),
    "supplier_postcode": pa.string(),
    "description": pa.string(),
    "raw_category": pa.string(),
    "transaction_ref": pa.string(),
}
_FACT_COLUMNS: dict[str, pa.DataType] = {
    "line_id": pa.int64(),
    "file_id": pa.string(),
    "anchor_id": pa.int32(),
    "pointer": pa.string(),
    "ocid": pa.string(),
    "release_id": pa.string(),
    "release_date": pa.string(),
    "award_id": pa.string(),
    "award_status": pa.string(),
    "award_date": pa.string(),
    "award_value": _MONEY,
    "currency": pa.string(),
    "title": pa.string(),
    "description": pa.string(),
    "classification": pa.string(),
    "buyer_id": pa.string(),
    "buyer_name": pa.string(),
    "supplier_index": pa.int32(),
    "supplier_party_id": pa.string(),
    "supplier_name": pa.string(),
    "identifier_scheme": pa.string(),
    "identifier_id": pa.string(),
    "legal_name": pa.string(),
    "postcode": pa.string(),
    "address": pa.string(),
    "scale": pa.string(),
    "vcse": pa.bool_(),
}


def _write(
    ws: Workspace,
    path: Path,
    anchor: Anchor,
    found: OcdsFile,
    loaded: list[Award],
    result: FileResult,
    uploaded_by: str | None,
) -> None:
    engine = ws.engine
    rejected = [a for a in found.awards if a.reasons]
    with engine.transaction():
        (first_line,) = engine.query_one(
            "next_line_id", "SELECT coalesce(max(line_id), 0) + 1 FROM spend_line"
        )
        lines, facts = _tables(
            loaded,
            str(result.file_id),
            anchor.anchor_id,
            int(first_line),
            ws.settings.fiscal_year_start,
        )
        source_files.fault("source_file")
        source_files.record_source_file(ws, path, anchor, result, uploaded_by)
        source_files.fault("spend_line")
        engine.register(LINES, lines)
        engine.register(FACTS, facts)
        try:
            engine.run(
                "load_ocds_spend_lines",
                f"INSERT INTO spend_line BY NAME SELECT * FROM {LINES}",
            )
            source_files.fault("ocds_award")
            engine.run("load_ocds_awards", f"INSERT INTO ocds_award BY NAME SELECT * FROM {FACTS}")
        finally:
            engine.unregister(LINES)
            engine.unregister(FACTS)
        source_files.fault("rejected_row")
        engine.register(REJECTS, _rejects_table(rejected, str(result.file_id), anchor.anchor_id))
        try:
            engine.run(
                "load_ocds_rejected_awards",
                f"INSERT INTO rejected_row BY NAME SELECT * FROM {REJECTS}",
            )
        finally:
            engine.unregister(REJECTS)
        source_files.fault("commit")
