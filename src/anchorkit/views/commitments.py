"""Commitments against actuals, and Tier-2, as the dashboard and the portal show them — scoped to
who is asking: the backbone sees every contract and return; an anchor user its own anchor's; a
supplier its own contracts and its own Tier-2 returns, nothing else. The writes a supplier makes
from the portal (a quarterly return, a Tier-2 row) check the same scope before they touch the
store.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from anchorkit.access.policy import sees_all_lines
from anchorkit.commitments.records import record_actual
from anchorkit.commitments.status import commitment_rows, overdue, summarise
from anchorkit.commitments.tier2 import record_tier2, tier2_summary
from anchorkit.errors import CommitmentError
from anchorkit.records.accounts import Actor
from anchorkit.views.store import Store


def _scope(actor: Actor) -> dict[str, Any] | None:
    """The filters of ``commitment_rows`` for this actor; None: they see nothing."""
    if sees_all_lines(actor):
        return {}
    if actor.role == "anchor" and actor.anchor_id is not None:
        return {"anchor_ids": [actor.anchor_id]}
    if actor.role == "supplier" and actor.supplier_id is not None:
        return {"supplier_id": actor.supplier_id}
    return None


def commitments_for(store: Store, actor: Actor) -> dict[str, Any]:
    """Committed vs delivered by measure, supplier and anchor, every commitment, and the late or
    missing returns — of the contracts ``actor`` may see."""
    scope = _scope(actor)
    rows: list[dict[str, Any]] = (
        []
        if scope is None
        else store.cached(
            ("commitments", repr(sorted(scope.items()))),
            lambda: commitment_rows(store.reader(), **scope),
        )
    )
    return {
        "rows": rows,
        "by_measure": summarise(rows, "measure"),
        "by_supplier": summarise(rows, "supplier"),
        "by_anchor": summarise(rows, "anchor"),
        "overdue": overdue(rows),
        "return_days": store.settings["commitments.return_days"],
    }


def submit_actual(
    store: Store,
    actor: Actor,
    contract_id: str,
    measure: str,
    quarter: str,
    quantity: str,
    evidence: str | None,
) -> dict[str, Any]:
    """A supplier's quarterly return for one of its own contracts (an admin may enter any).

    ``measure`` is ``framework/measure`` as the form lists it."""
    framework, _, measure_id = measure.partition("/")
    own = next(
        (
            r
            for r in commitments_for(store, actor)["rows"]
            if r["contract_id"] == contract_id
            and (r["framework"], r["measure"]) == (framework, measure_id)
        ),
        None,
    )
    if own is None:
        raise CommitmentError(
            "That contract and measure are not among your commitments: choose one from the list."
        )
    with store.writer() as ws:
        return record_actual(
            ws,
            contract_id,
            framework,
            measure_id,
            quarter,
            quantity,
            by=actor.email,
            evidence=(evidence or "").strip()[:200] or None,
            received=date.today(),
        )


def tier2_for(store: Store, actor: Actor) -> dict[str, Any]:
    """Tier-1 beside Tier-2 and the tracker (backbone: network; anchor: its own), or a
    supplier's own returns."""

    def build() -> dict[str, Any]:
        ws = store.reader()
        if sees_all_lines(actor):
            return tier2_summary(ws)
        if actor.role == "anchor" and actor.anchor_name is not None:
            return tier2_summary(ws, anchor=actor.anchor_name)
        if actor.role == "supplier" and actor.supplier_id is not None:
            return tier2_summary(ws, prime_id=actor.supplier_id)
        return {"returns": []}

    who = actor.anchor_name if actor.role == "anchor" else actor.supplier_id
    return store.cached(("tier2", actor.role if sees_all_lines(actor) else who), build)


def submit_tier2(
    store: Store,
    actor: Actor,
    anchor: str,
    year: str,
    subcontractor: str,
    amount: str,
    tags: str,
    postcode: str = "",
) -> int:
    """One Tier-2 row from a supplier in the portal: its own spend with a subcontractor, allocated
    to ``anchor`` for ``year`` (the prime is always the supplier the account speaks for)."""
    if actor.supplier_id is None:
        raise CommitmentError(
            "Only a supplier account linked to its supplier record reports Tier-2."
        )
    with store.writer() as ws:
        (name,) = ws.engine.query_one(
            "prime_name", "SELECT name FROM supplier WHERE supplier_id = ?", [actor.supplier_id]
        )
        row = {"prime": str(name), "anchor": anchor, "year": year, "subcontractor": subcontractor,
               "amount": amount, "tags": tags, "postcode": postcode}  # fmt: skip
        return record_tier2(
            ws, [row], by=actor.email, where="the Tier-2 form", prime_id=actor.supplier_id,
            append=True,
        )  # fmt: skip
