"""The review queue: pairs the model is unsure about wait for a person, whose word is final.

Decisions are stored per pair of *name groups* (records with the same normalised name and
postcode), never per supplier id, so they survive every re-run: ``anchorkit resolve`` removes
the edge of a "non-match" and adds the edge of a "match" before clustering. ``merge`` and
``split`` are the same two decisions applied to whole suppliers.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from anchorkit.errors import ReviewError
from anchorkit.resolve.link import pair_key
from anchorkit.workspace import Workspace


def item_id(key: str) -> str:
    """A short, stable handle for a review pair (what a person types)."""
    return hashlib.md5(key.encode()).hexdigest()[:8]


@dataclass
class ReviewItem:
    item_id: str
    pair_key: str
    match_probability: float
    left: dict[str, Any]
    right: dict[str, Any]
    reason: str | None = None  # why a person should look, when it is not only the score

    def to_json(self) -> dict[str, Any]:
        return self.__dict__.copy()


def list_items(ws: Workspace, *, limit: int | None = None) -> list[ReviewItem]:
    """Undecided pairs, most uncertain (closest to 50 %) first."""
    rows = ws.engine.query(
        "review_list",
        "SELECT pair_key, match_probability, left_record, right_record, reason FROM review_item "
        "WHERE pair_key NOT IN (SELECT pair_key FROM review_decision) "
        "ORDER BY abs(match_probability - 0.5), pair_key"
        + (f" LIMIT {int(limit)}" if limit else ""),
    )
    return [
        ReviewItem(item_id(k), k, float(p), json.loads(left), json.loads(right), reason)
        for k, p, left, right, reason in rows
    ]


def _find_pair(ws: Workspace, handle: str) -> str:
    rows = ws.engine.query("review_pairs", "SELECT pair_key FROM review_item")
    matches = [str(k) for (k,) in rows if item_id(k) == handle or k == handle]
    if not matches:
        raise ReviewError(f"No review item {handle!r}. List them with: anchorkit review list")
    return matches[0]


def decide(ws: Workspace, handle: str, decision: str, *, by: str, note: str | None = None) -> str:
    """Record 'match' (accept) or 'non_match' (reject) for one review item."""
    if decision not in ("match", "non_match"):
        raise ReviewError("A decision is 'match' or 'non_match'.")
    key = _find_pair(ws, handle)
    _record(ws, [key], decision, by, note)
    return key


def _record(ws: Workspace, keys: list[str], decision: str, by: str, note: str | None) -> None:
    with ws.engine.transaction():
        for key in keys:
            ws.engine.run(
                "record_decision",
                "INSERT INTO review_decision (pair_key, decision, decided_by, note) "
                "VALUES (?, ?, ?, ?)",
                [key, decision, by, note],
            )


def _groups_of(ws: Workspace, supplier_id: str) -> list[str]:
    rows = ws.engine.query(
        "supplier_groups",
        "SELECT DISTINCT group_id FROM supplier_alias WHERE supplier_id = ? ORDER BY group_id",
        [supplier_id],
    )
    if not rows:
        raise ReviewError(f"There is no supplier {supplier_id!r} (run anchorkit resolve first).")
    return [g for (g,) in rows]


def merge(ws: Workspace, first: str, second: str, *, by: str, note: str | None = None) -> str:
    """Two suppliers are one: a 'match' between one name group of each joins them for good."""
    a, b = _groups_of(ws, first)[0], _groups_of(ws, second)[0]
    if first == second:
        raise ReviewError("Merging a supplier with itself changes nothing.")
    key = pair_key(a, b)
    _record(ws, [key], "match", by, note)
    return key


def split(ws: Workspace, supplier_id: str, name: str, *, by: str, note: str | None = None) -> int:
    """Take the spelling ``name`` out of a supplier: 'non_match' with each of its other groups.

    Spellings identical to ``name`` once normalised, at the same postcode, go with it: anchorkit
    cannot tell them apart.
    """
    rows = ws.engine.query(
        "split_groups",
        "SELECT DISTINCT group_id FROM supplier_alias WHERE supplier_id = ? "
        "AND lower(trim(raw_name)) = lower(trim(?))",
        [supplier_id, name],
    )
    if not rows:
        raise ReviewError(
            f"Supplier {supplier_id!r} has no spelling {name!r}. "
            f"See its spellings with: anchorkit supplier show {supplier_id}"
        )
    leaving = {g for (g,) in rows}
    staying = [g for g in _groups_of(ws, supplier_id) if g not in leaving]
    if not staying:
        raise ReviewError(
            f"{name!r} and the spellings identical to it once normalised (same name key and "
            f"postcode) are all of {supplier_id}: they cannot be told apart, nothing to split."
        )
    keys = [pair_key(a, b) for a in sorted(leaving) for b in staying]
    _record(ws, keys, "non_match", by, note)
    return len(keys)
