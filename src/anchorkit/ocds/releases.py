"""The awards anchorkit knows, as OCDS releases: imported ones as they were, spend as awards.

Two sources, one shape (a release per contracting process, with its parties and awards):

- awards imported from OCDS (``ocds_award``) keep their ocid, release and award ids, buyer,
  the award's whole value and the suppliers' identifiers, addresses, scale and VCSE flag;
- spend lines from ordinary spend files have no contracting process, so anchorkit makes one:
  a release per anchor and fiscal year (ocid ``<ocds.ocid_prefix>-<anchor id>-<year>``), the
  anchor as buyer, and one award per supplier (as named, with its reference) and currency,
  whose value is the year's total paid and whose date is the last payment's.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from anchorkit.workspace import Workspace

Json = dict[str, Any]


def _short_hash(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()[:12]


def _anchor_party(anchor_id: int, name: str) -> Json:
    return {"id": f"anchorkit-anchor-{anchor_id}", "name": name, "roles": ["buyer"]}


def _add_party(parties: dict[str, Json], party: Json) -> None:
    """One entry per party id in a release, its roles merged."""
    known = parties.setdefault(party["id"], party)
    for role in party["roles"]:
        if role not in known["roles"]:
            known["roles"].append(role)


def _timestamp(text: str | None) -> str | None:
    """A published date kept as published; a bare date gets midnight UTC (a date-time is
    required)."""
    if not text:
        return None
    return f"{text}T00:00:00Z" if len(text) == 10 else text


def _release(ocid: str, release_id: str, date: str, parties: dict[str, Json]) -> Json:
    return {
        "ocid": ocid,
        "id": release_id,
        "date": date,
        "tag": ["award"],
        "initiationType": "tender",
        "parties": list(parties.values()),
    }


_IMPORTED = """
    SELECT o.ocid, o.release_id, o.release_date, o.file_id, o.pointer, o.award_id,
           o.award_status, o.award_date, o.award_value, o.currency, o.title, o.description,
           o.classification, o.buyer_id, o.buyer_name, o.supplier_party_id, o.supplier_name,
           o.identifier_scheme, o.identifier_id, o.legal_name, o.postcode, o.address, o.scale,
           o.vcse, o.anchor_id, a.name
    FROM ocds_award o JOIN anchor a USING (anchor_id) /*where*/
    ORDER BY o.ocid, o.file_id, o.pointer, o.supplier_index
"""


def imported_releases(ws: Workspace, anchor_id: int | None) -> list[Json]:
    """One release per ocid of the awards imported from OCDS."""
    where, params = ("WHERE o.anchor_id = ?", [anchor_id]) if anchor_id is not None else ("", [])
    rows = ws.engine.query("ocds_export_imported", _IMPORTED.replace("/*where*/", where), params)
    by_ocid: dict[str, list[tuple[Any, ...]]] = {}
    for row in rows:
        by_ocid.setdefault(row[0], []).append(row)
    return [_imported_release(ocid, group) for ocid, group in by_ocid.items()]


def _supplier_party(row: tuple[Any, ...]) -> Json:
    (party_id, name, scheme, ident, legal, postcode, address, scale, vcse) = row[15:24]
    party: Json = {
        "id": party_id
        or (f"{scheme}-{ident}" if scheme and ident else None)
        or f"anchorkit-supplier-{_short_hash(name)}",
        "name": name,
        "roles": ["supplier"],
    }
    identifier = {k: v for k, v in (("scheme", scheme), ("id", ident), ("legalName", legal)) if v}
    if identifier:
        party["identifier"] = identifier
    published = json.loads(address) if address else {}
    if postcode and not published.get("postalCode"):
        published["postalCode"] = postcode
    if published:
        party["address"] = published
    details = {k: v for k, v in (("scale", scale), ("vcse", vcse)) if v is not None}
    if details:
        party["details"] = details
    return party


def _imported_release(ocid: str, rows: list[tuple[Any, ...]]) -> Json:
    parties: dict[str, Json] = {}
    awards: dict[tuple[str, str], Json] = {}
    latest = max(rows, key=lambda r: (r[2] or "", r[7] or ""))
    for row in rows:
        (_, _, _, file_id, pointer, award_id, status, date, value, currency) = row[:10]
        (title, description, classification, buyer_id, buyer_name) = row[10:15]
        anchor_id, anchor_name = row[24], row[25]
        buyer = (
            {"id": buyer_id, **({"name": buyer_name} if buyer_name else {}), "roles": ["buyer"]}
            if buyer_id
            else _anchor_party(anchor_id, anchor_name)
        )
        _add_party(parties, buyer)
        supplier = _supplier_party(row)
        _add_party(parties, supplier)
        award = awards.get((file_id, pointer))
        if award is None:
            award = awards[(file_id, pointer)] = {
                "id": award_id or f"{ocid}-award-{len(awards) + 1}",
                **({"title": title} if title else {}),
                **({"description": description} if description else {}),
                **({"status": status} if status else {}),
                **({"date": _timestamp(date)} if date else {}),
                "value": {"amount": Decimal(value), "currency": currency},
                "suppliers": [],
            }
            if classification:
                award["items"] = [{"id": "1", "classification": json.loads(classification)}]
        award["suppliers"].append({"id": supplier["id"], "name": supplier["name"]})
    release = _release(
        ocid,
        latest[1] or f"{ocid}-anchorkit",
        _timestamp(latest[2]) or _timestamp(latest[7]) or "1970-01-01T00:00:00Z",
        parties,
    )
    buyer_party = next(p for p in release["parties"] if "buyer" in p["roles"])
    release["buyer"] = {k: buyer_party[k] for k in ("id", "name") if k in buyer_party}
    release["awards"] = list(awards.values())
    return release


_SPEND = """
    SELECT s.anchor_id, a.name, s.fiscal_year, s.currency, s.supplier_name, s.supplier_ref,
           min(s.supplier_postcode), sum(s.amount), max(s.paid_on), count(*)
    FROM spend_line s JOIN anchor a USING (anchor_id)
    WHERE s.line_id NOT IN (SELECT line_id FROM ocds_award) /*where*/
    GROUP BY s.anchor_id, a.name, s.fiscal_year, s.currency, s.supplier_name, s.supplier_ref
    ORDER BY s.anchor_id, s.fiscal_year, s.supplier_name, s.supplier_ref NULLS FIRST, s.currency
"""


def spend_releases(ws: Workspace, anchor_id: int | None, prefix: str) -> list[Json]:
    """One release per anchor and fiscal year of the spend lines not imported from OCDS."""
    where, params = ("AND s.anchor_id = ?", [anchor_id]) if anchor_id is not None else ("", [])
    rows = ws.engine.query("ocds_export_spend", _SPEND.replace("/*where*/", where), params)
    groups: dict[tuple[int, str, int], list[tuple[Any, ...]]] = {}
    for row in rows:
        groups.setdefault((row[0], row[1], row[2]), []).append(row)
    return [_spend_release(key, group, prefix) for key, group in groups.items()]


def _spend_release(key: tuple[int, str, int], rows: Iterable[tuple[Any, ...]], prefix: str) -> Json:
    anchor_id, anchor_name, year = key
    ocid = f"{prefix}-{anchor_id}-{year}"
    buyer = _anchor_party(anchor_id, anchor_name)
    parties: dict[str, Json] = {buyer["id"]: buyer}
    awards, last = [], ""
    for _, _, _, currency, name, ref, postcode, total, paid, lines in rows:
        party: Json = {
            "id": f"anchorkit-supplier-{_short_hash(name, ref)}",
            "name": name,
            "roles": ["supplier"],
        }
        if postcode:
            party["address"] = {"postalCode": postcode}
        _add_party(parties, party)
        last = max(last, paid.isoformat())
        awards.append(
            {
                "id": f"{ocid}-{_short_hash(name, ref, currency)}",
                "title": f"Payments to {name}, fiscal year {year}",
                "description": f"The sum of {lines:,} spend line{'s' if lines != 1 else ''} "
                f"paid by {anchor_name} in fiscal year {year}.",
                "status": "active",
                "date": _timestamp(paid.isoformat()),
                "value": {"amount": Decimal(total), "currency": currency},
                "suppliers": [{"id": party["id"], "name": name}],
            }
        )
    release = _release(ocid, f"{ocid}-spend", str(_timestamp(last)), parties)
    release["buyer"] = {"id": buyer["id"], "name": anchor_name}
    release["awards"] = awards
    return release
