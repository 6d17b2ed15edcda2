"""Opportunities: where pooled spend could go local, and to whom.

Three kinds, each from the same decided lines as the indicators (:func:`classified_lines`), over
influenceable spend only, by category (the taxonomy's level 2, else level 1, else the anchor's raw
category):

- **local_supplier_exists**: a category the network buys mostly from non-local suppliers although
  local (or impact) suppliers already sell it to some anchor — "who buys this locally?". The spend
  at stake is the category's non-local spend; the candidates are those local suppliers.
- **joint_procurement**: the same category bought from the same non-local supplier by several
  anchors — one joint tender could open it to local bidders.
- **share_a_supplier**: a local supplier one anchor uses for a category, while another anchor buys
  that category from non-local suppliers only.

Each opportunity carries its evidence: the category, the suppliers and the anchors, so a page
can list the lines behind it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from anchorkit.analytics.indicators import classified_lines
from anchorkit.workspace import Workspace

KINDS = ("local_supplier_exists", "joint_procurement", "share_a_supplier")
CATEGORY = "coalesce(category_level2, category_level1, nullif(trim(raw_category), ''), '(none)')"
SUPPLIER = "coalesce(supplier_id, upper(trim(supplier_name)))"


@dataclass
class Opportunity:
    kind: str
    category: str
    spend_at_stake: Decimal
    summary: str
    anchors: list[str] = field(default_factory=list)
    suppliers: list[dict[str, Any]] = field(default_factory=list)  # candidates or incumbents
    evidence: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["spend_at_stake"] = f"{self.spend_at_stake:.2f}"
        for s in data["suppliers"]:
            s["spend"] = f"{Decimal(s['spend']):.2f}"
        return data


def find_opportunities(
    ws: Workspace,
    *,
    anchor: str | None = None,
    min_nonlocal_share: float = 0.5,
    limit: int = 20,
) -> list[Opportunity]:
    """Every kind of opportunity, largest spend at stake first; ``anchor`` keeps those that
    involve that anchor's own non-local spend."""
    only = ws.anchor(anchor).name if anchor else None
    with classified_lines(
        ws, extra=("raw_category", "category_level1", "category_level2")
    ) as lines:
        engine = ws.engine
        engine.run(
            "opportunity_lines",
            f"""
            CREATE OR REPLACE TEMP TABLE __anchorkit__opportunity_lines AS
            SELECT l.*, a.name AS anchor_name, {CATEGORY} AS cat, {SUPPLIER} AS supplier_key,
                   location_class = 'local' AS is_local,
                   location_class = 'non_local' AS is_nonlocal
            FROM {lines} l JOIN anchor a USING (anchor_id) WHERE influenceable
            """,
        )
        try:
            found = [
                *_local_supplier_exists(ws, min_nonlocal_share),
                *_joint_procurement(ws),
                *_share_a_supplier(ws),
            ]
        finally:
            engine.run(
                "drop_opportunity_lines", "DROP TABLE IF EXISTS __anchorkit__opportunity_lines"
            )
    if only:
        found = [o for o in found if only in o.evidence.get("buyers", o.anchors)]
    found.sort(key=lambda o: (-o.spend_at_stake, o.kind, o.category))
    return found[:limit]


def _names(ws: Workspace, keys: list[str]) -> dict[str, str]:
    rows = ws.engine.query(
        "opportunity_supplier_names",
        "SELECT supplier_key, any_value(trim(supplier_name)) FROM __anchorkit__opportunity_lines "
        "WHERE list_contains(?, supplier_key) GROUP BY supplier_key",
        [keys],
    )
    return {k: n for k, n in rows}


def _local_supplier_exists(ws: Workspace, min_share: float) -> list[Opportunity]:
    rows = ws.engine.query(
        "opportunities_local_supplier_exists",
        """
        WITH cats AS (
            SELECT cat, sum(amount) AS spend,
                   coalesce(sum(amount) FILTER (WHERE is_nonlocal), 0) AS nonlocal,
                   list(DISTINCT anchor_name ORDER BY anchor_name) FILTER (WHERE is_nonlocal)
                       AS buyers
            FROM __anchorkit__opportunity_lines GROUP BY cat
        ), local_sellers AS (
            SELECT cat, supplier_key, sum(amount) AS spend, bool_or(tags IS NOT NULL) AS impact,
                   list(DISTINCT anchor_name ORDER BY anchor_name) AS sells_to
            FROM __anchorkit__opportunity_lines WHERE is_local GROUP BY cat, supplier_key
        )
        SELECT c.cat, c.spend, c.nonlocal, c.buyers,
               list({'key': s.supplier_key, 'spend': s.spend, 'impact': s.impact,
                     'sells_to': s.sells_to} ORDER BY s.spend DESC)
        FROM cats c JOIN local_sellers s USING (cat)
        WHERE c.spend > 0 AND c.nonlocal / c.spend >= ?
        GROUP BY c.cat, c.spend, c.nonlocal, c.buyers
        """,
        [min_share],
    )
    out = []
    for cat, spend, nonlocal_spend, buyers, sellers in rows:
        top = sellers[:5]
        names = _names(ws, [s["key"] for s in top])
        candidates = [
            {
                "supplier_id": s["key"],
                "name": names.get(s["key"], s["key"]),
                "spend": s["spend"],
                "impact": bool(s["impact"]),
                "sells_to": list(s["sells_to"]),
            }
            for s in top
        ]
        share = float(nonlocal_spend / spend)
        out.append(
            Opportunity(
                kind="local_supplier_exists",
                category=cat,
                spend_at_stake=Decimal(nonlocal_spend),
                summary=(
                    f"{share:.0%} of the network's {cat} spend goes outside the local area, "
                    f"but {len(sellers)} local supplier(s) already sell it to an anchor."
                ),
                anchors=list(buyers or []),
                suppliers=candidates,
                evidence={
                    "category": cat,
                    "buyers": list(buyers or []),
                    "local_suppliers": len(sellers),
                },
            )
        )
    return out


def _joint_procurement(ws: Workspace) -> list[Opportunity]:
    rows = ws.engine.query(
        "opportunities_joint_procurement",
        """
        SELECT cat, supplier_key, sum(amount) AS spend,
               list(DISTINCT anchor_name ORDER BY anchor_name) AS buyers
        FROM __anchorkit__opportunity_lines WHERE is_nonlocal
        GROUP BY cat, supplier_key HAVING count(DISTINCT anchor_id) >= 2
        """,
    )
    names = _names(ws, [k for _, k, _, _ in rows])
    return [
        Opportunity(
            kind="joint_procurement",
            category=cat,
            spend_at_stake=Decimal(spend),
            summary=(
                f"{len(buyers)} anchors buy {cat} from the same non-local supplier "
                f"{names.get(key, key)}: one joint tender could be opened to local bidders."
            ),
            anchors=list(buyers),
            suppliers=[{"supplier_id": key, "name": names.get(key, key), "spend": spend}],
            evidence={"category": cat, "buyers": list(buyers), "incumbent": key},
        )
        for cat, key, spend, buyers in rows
    ]


def _share_a_supplier(ws: Workspace) -> list[Opportunity]:
    rows = ws.engine.query(
        "opportunities_share_a_supplier",
        """
        WITH per_anchor AS (
            SELECT cat, anchor_name,
                   coalesce(sum(amount) FILTER (WHERE is_nonlocal), 0) AS nonlocal,
                   coalesce(sum(amount) FILTER (WHERE is_local), 0) AS local
            FROM __anchorkit__opportunity_lines GROUP BY cat, anchor_name
        ), local_use AS (
            SELECT cat, supplier_key, anchor_name AS user_anchor, sum(amount) AS spend
            FROM __anchorkit__opportunity_lines WHERE is_local
            GROUP BY cat, supplier_key, anchor_name
        )
        SELECT u.cat, u.supplier_key, u.user_anchor, u.spend, p.anchor_name, p.nonlocal
        FROM local_use u JOIN per_anchor p ON p.cat = u.cat AND p.anchor_name <> u.user_anchor
        WHERE p.nonlocal > 0 AND p.local = 0
        """,
    )
    names = _names(ws, sorted({k for _, k, *_ in rows}))
    return [
        Opportunity(
            kind="share_a_supplier",
            category=cat,
            spend_at_stake=Decimal(nonlocal_spend),
            summary=(
                f"{buyer} buys {cat} only from non-local suppliers; {user} buys it locally "
                f"from {names.get(key, key)}."
            ),
            anchors=[buyer, user],
            suppliers=[{"supplier_id": key, "name": names.get(key, key), "spend": spend}],
            evidence={"category": cat, "buyers": [buyer], "used_by": user, "supplier": key},
        )
        for cat, key, user, spend, buyer, nonlocal_spend in rows
    ]
