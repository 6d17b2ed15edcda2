"""Who may do what, in one place.

Every page, API route and export asks :func:`allowed` before it does anything, and every query
of spend lines takes its WHERE clause from :func:`line_scope`; there is no other path to the
data. Of other anchors' spend an anchor user sees only network aggregates, and those pass
through :func:`suppress` — the one small-cell rule, whose thresholds are settings.

The policy, as a table (own = the anchor the user belongs to):

=================  =====  =======  ==========  ========  =======  ======
action             admin  analyst  anchor      supplier  partner  public
=================  =====  =======  ==========  ========  =======  ======
view_public        yes    yes      yes         yes       yes      yes
view_overview      yes    yes      yes (*)     no        no       no
view_anchor        yes    yes      own         no        no       no
view_lines         yes    yes      own         no        no       no
view_rejects       yes    yes      own         no        no       no
view_categories    yes    yes      own         no        no       no
map_category       yes    no       own         no        no       no
upload             yes    no       own         no        no       no
view_uploads       yes    yes      own         no        no       no
manage_files       yes    no       no          no        no       no
view_review        yes    yes      no          no        no       no
decide_review      yes    no       no          no        no       no
view_suppliers     yes    yes      yes         yes       no       no
view_supplier      yes    yes      yes         yes       no       no
publish            yes    no       no          no        no       no
view_impact        yes    yes      yes (*)     no        no       no
view_opportunities yes    yes      own (**)    no        no       no
view_audit         yes    no       no          no        no       no
view_postings      yes    yes      yes         yes       yes      yes
post_opportunity   yes    no       own         no        no       no
view_shortlist     yes    yes      own         no        no       no
invite_supplier    yes    no       own         no        no       no
view_compliance    yes    yes      own (***)   no        no       no
claim_supplier     no     no       no          yes       no       no
view_claims        yes    no       no          no        no       no
decide_claim       yes    no       no          no        no       no
view_profile       yes    yes      no          own       no       no
edit_profile       yes    no       no          own       no       no
view_listed        yes    yes      yes         yes       yes      no
view_frameworks    yes    yes      own (****)  no        no       no
view_commitments   yes    yes      own (****)  own       no       no
report_actuals     yes    no       no          own       no       no
report_tier2       yes    no       no          own       no       no
=================  =====  =======  ==========  ========  =======  ======

(*) other anchors' figures only as suppressed aggregates (impact: network-level figures).
(**) the opportunities for the anchor's own spend, without other anchors' amounts.
(***) the compliance list of the anchor's own postings.
(****) the anchor's own framework figures, contracts, returns and Tier-2 (the views scope them).

Supplier portal: "own" for an anchor is an opportunity it posted; for a supplier, the supplier
record its account speaks for — linked by an admin (``user add --supplier``) or by an approved
claim, and while its claim is pending the claimed record (:func:`anchorkit.portal.claims.
acting_as`), whose profile nobody else sees until an admin approves. A ``partner`` (workforce
agency, business-support group) reads only published opportunities and the suppliers that agreed
to be listed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from anchorkit.records.accounts import Actor

BACKBONE = ("admin", "analyst")
ACTIONS = (
    "view_public",
    "view_overview",
    "view_anchor",
    "view_lines",
    "view_rejects",
    "view_categories",
    "map_category",
    "upload",
    "view_uploads",
    "manage_files",
    "view_review",
    "decide_review",
    "view_suppliers",
    "view_supplier",
    "publish",
    "view_audit",
    "view_impact",
    "view_opportunities",
    "view_postings",
    "post_opportunity",
    "view_shortlist",
    "invite_supplier",
    "view_compliance",
    "claim_supplier",
    "view_claims",
    "decide_claim",
    "view_profile",
    "edit_profile",
    "view_listed",
    "view_frameworks",
    "view_commitments",
    "report_actuals",
    "report_tier2",
)
_OWN_ANCHOR = (
    "view_anchor",
    "view_lines",
    "view_rejects",
    "view_categories",
    "map_category",
    "upload",
    "view_uploads",
    "post_opportunity",
    "view_shortlist",
    "invite_supplier",
)
_OWN_SUPPLIER = ("view_profile", "edit_profile")


@dataclass(frozen=True)
class Resource:
    """What an action is on: an anchor's data, a supplier, or (both None) the network."""

    anchor_id: int | None = None
    supplier_id: str | None = None


NETWORK = Resource()


def allowed(actor: Actor, action: str, resource: Resource = NETWORK) -> bool:
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    role = actor.role
    if action in ("view_public", "view_postings"):
        return True
    if action == "claim_supplier":
        return role == "supplier"
    if role == "admin":
        return True
    if role == "analyst":
        return action not in (
            "upload",
            "manage_files",
            "map_category",
            "decide_review",
            "publish",
            "view_audit",
            "post_opportunity",
            "invite_supplier",
            "view_claims",
            "decide_claim",
            "edit_profile",
            "report_actuals",
            "report_tier2",
        )
    if role == "anchor":
        if action in _OWN_ANCHOR:
            return resource.anchor_id is not None and resource.anchor_id == actor.anchor_id
        return action in (
            "view_overview",
            "view_suppliers",
            "view_supplier",
            "view_impact",
            "view_opportunities",
            "view_compliance",
            "view_listed",
            "view_frameworks",
            "view_commitments",
        )
    if role == "supplier":
        if action in _OWN_SUPPLIER:
            return resource.supplier_id is not None and resource.supplier_id == actor.supplier_id
        return action in (
            "view_suppliers",
            "view_supplier",
            "view_listed",
            "view_commitments",
            "report_actuals",
            "report_tier2",
        )
    if role == "partner":
        return action == "view_listed"
    return False


def sees_all_lines(actor: Actor) -> bool:
    return actor.role in BACKBONE


def line_scope(actor: Actor, alias: str = "") -> tuple[str, list[Any]]:
    """The WHERE predicate (and its parameters) limiting spend lines to what ``actor`` may read.

    Used by every page, API route and export that reads ``spend_line`` or ``rejected_row``.
    """
    column = f"{alias}.anchor_id" if alias else "anchor_id"
    if actor.role in BACKBONE:
        return "TRUE", []
    if actor.role == "anchor" and actor.anchor_id is not None:
        return f"{column} = ?", [actor.anchor_id]
    return "FALSE", []


@dataclass(frozen=True)
class SmallCellRule:
    """A cell is suppressed when it has fewer than ``min_suppliers`` distinct suppliers or one
    supplier holds more than ``max_supplier_share`` of its spend."""

    min_suppliers: int
    max_supplier_share: float

    def hides(self, suppliers: int | None, top_supplier_share: float | None) -> bool:
        if suppliers is None or suppliers < self.min_suppliers:
            return True
        return top_supplier_share is not None and top_supplier_share > self.max_supplier_share


def rule_from(settings: Any) -> SmallCellRule:
    return SmallCellRule(
        int(settings["publish.min_suppliers"]), float(settings["publish.max_supplier_share"])
    )


SUPPRESSED = "suppressed"


SUPPLIER_DETAIL = ("top_suppliers", "top_supplier_share")
"""Fields of a cell that describe single suppliers: never shown outside the backbone, even in a
cell the rule lets through (the largest supplier's share times the cell's total is its sales)."""


def suppress(
    rows: Iterable[dict[str, Any]],
    rule: SmallCellRule,
    *,
    keep: Iterable[str],
    exempt: bool = False,
) -> list[dict[str, Any]]:
    """Blank every measure of a cell the rule hides, keeping the ``keep`` (label) fields.

    ``exempt`` is for cells the actor may see in full (backbone users, an anchor's own cells).
    A suppressed row keeps ``suppressed: True`` so a page can say why a figure is missing; a
    visible one loses its `SUPPLIER_DETAIL` unless exempt.
    """
    kept = set(keep)
    out = []
    for row in rows:
        hidden = not exempt and rule.hides(row.get("suppliers"), row.get("top_supplier_share"))
        if hidden:
            row = {k: (v if k in kept else None) for k, v in row.items()}
        elif not exempt:
            row = {k: (None if k in SUPPLIER_DETAIL else v) for k, v in row.items()}
        out.append({**row, SUPPRESSED: hidden})
    return out


def money(value: Any) -> float | None:
    """Decimal money as a float for charts and JSON (the store keeps exact decimals)."""
    if value is None:
        return None
    return float(value) if isinstance(value, Decimal | int | float) else float(str(value))
