"""Opportunities: where pooled spend could go local, and to whom.

Three kinds, each from the same decided lines as the indicators (the analytic model's cells), over
influenceable spend only, by category — the taxonomy's level 2 named with its level 1 ("Works -
Construction, Repair & Maintenance – Not Elsewhere Classified": level-2 names such as "Not
Elsewhere Classified" or "Maintenance" recur under many families and mean nothing alone), else
level 1, else the anchor's raw category:

- **local_supplier_exists**: a category the network buys mostly from non-local suppliers although
  local (or impact) suppliers already sell it to some anchor — "who buys this locally?". The spend
  at stake is the category's non-local spend; the candidates are those local suppliers.
- **joint_procurement**: the same category bought from the same non-local supplier by several
  anchors — one joint tender could open it to local bidders.
- **share_a_supplier**: a local supplier one anchor uses for a category, while another anchor buys
  that category from non-local suppliers only.

Each opportunity carries its evidence (the category's code, the suppliers and the anchors, so a
page can list the lines behind it) and what a coordinator does next (``next_steps``: whom to talk
to; the faces add the portal's upcoming purchases that match).

Spend in a taxonomy's catch-all ("Not Elsewhere Classified", "General Support": see
:attr:`Taxonomy.catch_alls`) or in no category at all says nothing about who else could supply
it: such opportunities are ``needs_classification``, ranked after every other one, and their next
step is to classify those lines.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from anchorkit.analytics.model import fresh_model
from anchorkit.classify.taxonomy import Taxonomy, taxonomy_for
from anchorkit.workspace import Workspace

KINDS = ("local_supplier_exists", "joint_procurement", "share_a_supplier")
#: between a level-1 name and its level-2 name in a category's label
PARENT_SEPARATOR = " – "
NO_CATEGORY = "(no category)"
CATEGORY = (
    f"coalesce(category_level1 || '{PARENT_SEPARATOR}' || category_level2, category_level1, "
    f"nullif(trim(raw_category), ''), '{NO_CATEGORY}')"
)


def category_label(level1: str, level2: str | None) -> str:
    """A taxonomy category as opportunities name it: its level-2 name after its parent's."""
    return f"{level1}{PARENT_SEPARATOR}{level2}" if level2 else level1


def _list(names: list[str]) -> str:
    """'A', 'A and B', 'A, B and C'."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


@dataclass
class Opportunity:
    kind: str
    category: str
    spend_at_stake: Decimal
    summary: str
    anchors: list[str] = field(default_factory=list)
    suppliers: list[dict[str, Any]] = field(default_factory=list)  # candidates or incumbents
    evidence: dict[str, Any] = field(default_factory=dict)
    code: str | None = None  # the taxonomy code of the category (None: a raw category)
    needs_classification: bool = False  # a catch-all or no category: classify first
    next_steps: list[str] = field(default_factory=list)

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
    taxonomy = taxonomy_for(ws.settings, ws.root)
    engine = ws.engine
    engine.run(
        "opportunity_lines",
        f"CREATE OR REPLACE TEMP TABLE __anchorkit__opportunity_lines AS "
        f"SELECT * FROM {_influenceable(ws)}",
    )
    try:
        sellers = _local_sellers(ws)
        found = [
            *_local_supplier_exists(ws, min_nonlocal_share, sellers),
            *_joint_procurement(ws, sellers),
            *_share_a_supplier(ws),
        ]
    finally:
        engine.run("drop_opportunity_lines", "DROP TABLE IF EXISTS __anchorkit__opportunity_lines")
    if only:
        found = [o for o in found if only in o.evidence.get("buyers", o.anchors)]
    codes = _codes(taxonomy)
    for o in found:
        _classify_first(o, codes.get(o.category), taxonomy.catch_alls)
    # ties (one buyer's spend, several local suppliers it could share) in a fixed order, so a
    # list and its --limit are the same on every run and on either engine
    found.sort(
        key=lambda o: (
            -o.spend_at_stake,
            o.kind,
            o.category,
            o.anchors,
            [str(s["supplier_id"]) for s in o.suppliers],
        )
    )
    ranked = [o for o in found if not o.needs_classification]
    return ranked[:limit] + [o for o in found if o.needs_classification][:limit]


def _classify_first(o: Opportunity, code: str | None, catch_alls: frozenset[str]) -> None:
    """Name the category's code, and mark (with the one next step that helps) an opportunity
    whose category is a catch-all or none at all."""
    o.code = code
    o.evidence["category"] = code or o.category
    if o.category != NO_CATEGORY and (code is None or code not in catch_alls):
        return
    o.needs_classification = True
    what = (
        "these lines have no category"
        if o.category == NO_CATEGORY
        else f"'{o.category}' is a catch-all"
    )
    o.next_steps = [
        f"Classify these lines first: {what}, so who else could supply them is not known. "
        "See them with: anchorkit category review (or the anchor's Categories page), then "
        "anchorkit classify."
    ]


def _codes(taxonomy: Taxonomy) -> dict[str, str]:
    """Label (as :data:`CATEGORY` writes it) → the taxonomy code at that level."""
    return {
        category_label(c.level1, c.level2 if c.level > 1 else None): c.level2_code or c.code
        for c in taxonomy.categories.values()
        if c.level <= 2
    }


def _influenceable(ws: Workspace) -> str:
    """Influenceable spend by anchor, category and supplier (the model's cells): what every
    kind of opportunity reads, as a FROM item."""
    return f"""(
        SELECT a.name AS anchor_name, l.anchor_id, {CATEGORY} AS cat, l.supplier_key,
            l.supplier_id, l.supplier_name, l.tags, l.amount,
            l.location_class = 'local' AS is_local, l.location_class = 'non_local' AS is_nonlocal
        FROM {fresh_model(ws).cells} l JOIN anchor a USING (anchor_id) WHERE l.influenceable
    )"""


def _names(ws: Workspace, keys: list[str]) -> dict[str, str]:
    """A supplier's name as its lines spell it (the first spelling, so the same every run)."""
    rows = ws.engine.query(
        "opportunity_supplier_names",
        "SELECT supplier_key, min(supplier_name) FROM __anchorkit__opportunity_lines "
        "WHERE list_contains(?, supplier_key) GROUP BY supplier_key",
        [keys],
    )
    return {k: n for k, n in rows}


def _local_sellers(ws: Workspace) -> dict[str, list[dict[str, Any]]]:
    """Per category, the local suppliers that sell it to some anchor (impact ones flagged), the
    largest first: the candidates to take spend that goes elsewhere."""
    rows = ws.engine.query(
        "opportunities_local_sellers",
        """
        SELECT cat, supplier_key, sum(amount) AS spend, bool_or(tags IS NOT NULL) AS impact,
               list(DISTINCT anchor_name ORDER BY anchor_name) AS sells_to
        FROM __anchorkit__opportunity_lines WHERE is_local GROUP BY cat, supplier_key
        ORDER BY cat, spend DESC, supplier_key
        """,
    )
    names = _names(ws, sorted({key for _, key, *_ in rows}))
    out: dict[str, list[dict[str, Any]]] = {}
    for cat, key, spend, impact, sells_to in rows:
        out.setdefault(cat, []).append(
            {
                "supplier_id": key,
                "name": names.get(key, key),
                "spend": spend,
                "impact": bool(impact),
                "sells_to": list(sells_to),
            }
        )
    return out


def _talk_to(candidates: list[dict[str, Any]]) -> str:
    """'X (impact; sells it to A)' for the first three candidates."""
    return _list(
        [
            f"{c['name']} ({'impact supplier; ' if c['impact'] else ''}sells it to "
            f"{_list(c['sells_to'])})"
            for c in candidates[:3]
        ]
    )


def _local_supplier_exists(
    ws: Workspace, min_share: float, local_sellers: dict[str, list[dict[str, Any]]]
) -> list[Opportunity]:
    rows = ws.engine.query(
        "opportunities_local_supplier_exists",
        """
        SELECT cat, sum(amount) AS spend,
               coalesce(sum(amount) FILTER (WHERE is_nonlocal), 0) AS nonlocal,
               list(DISTINCT anchor_name ORDER BY anchor_name) FILTER (WHERE is_nonlocal)
                   AS buyers
        FROM __anchorkit__opportunity_lines GROUP BY cat
        """,
    )
    out = []
    for cat, spend, nonlocal_spend, buyers in rows:
        sellers = local_sellers.get(cat, [])
        if not sellers or not spend or spend <= 0 or nonlocal_spend / spend < min_share:
            continue
        candidates = sellers[:5]
        share = float(nonlocal_spend / spend)
        out.append(
            Opportunity(
                kind="local_supplier_exists",
                category=cat,
                spend_at_stake=Decimal(nonlocal_spend),
                summary=(
                    f"{share * 100:.0f} % of the network's {cat} spend goes outside the local area, "
                    f"but {len(sellers)} local supplier(s) already sell it to an anchor."
                ),
                anchors=list(buyers or []),
                suppliers=candidates,
                evidence={
                    "category": cat,
                    "buyers": list(buyers or []),
                    "local_suppliers": len(sellers),
                },
                next_steps=[
                    f"Talk to the buyers at {_list(list(buyers or []))}: they buy it from "
                    "non-local suppliers.",
                    f"Invite {_talk_to(candidates)} to quote next time.",
                ],
            )
        )
    return out


def _joint_procurement(
    ws: Workspace, local_sellers: dict[str, list[dict[str, Any]]]
) -> list[Opportunity]:
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
    out = []
    for cat, key, spend, buyers in rows:
        incumbent = names.get(key, key)
        candidates = local_sellers.get(cat, [])
        invite = (
            f"Invite {_talk_to(candidates)}, who already sell it locally."
            if candidates
            else "No local supplier sells it to an anchor yet: look for one in the supplier "
            "directory and the portal's supplier profiles before the tender."
        )
        out.append(
            Opportunity(
                kind="joint_procurement",
                category=cat,
                spend_at_stake=Decimal(spend),
                summary=(
                    f"{len(buyers)} anchors buy {cat} from the same non-local supplier "
                    f"{incumbent}: one joint tender could be opened to local bidders."
                ),
                anchors=list(buyers),
                suppliers=[{"supplier_id": key, "name": incumbent, "spend": spend}],
                evidence={"category": cat, "buyers": list(buyers), "incumbent": key},
                next_steps=[
                    f"Bring the buyers at {_list(list(buyers))} together before their contracts "
                    f"with {incumbent} are renewed: one joint tender, in lots local suppliers "
                    "can bid for.",
                    invite,
                ],
            )
        )
    return out


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
            next_steps=[
                f"Ask {user} to introduce {names.get(key, key)} to the buyers at {buyer}, and "
                f"how the work went.",
            ],
        )
        for cat, key, user, spend, buyer, nonlocal_spend in rows
    ]
