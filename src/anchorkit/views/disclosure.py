"""What of the network's figures may be published: the one disclosure rule, with complementary
suppression, for the published API, open data, reports and every dashboard view of other
anchors' spend.

**The rule (primary suppression).** A published figure — a cell's total, addressable, local,
impact, priority-area or tag spend, and the shares made from them — is a sum of payments to
suppliers. It is hidden when fewer than ``publish.min_suppliers`` distinct suppliers make it,
or one supplier makes more than ``publish.max_supplier_share`` of it: otherwise it tells what
one supplier (or two, who know each other's) was paid. The rule looks at each figure's *own*
suppliers: a neighbourhood of 14 suppliers whose impact spend is one tagged supplier's hides its
impact spend and impact share, though its total is shown.

**Complementary suppression.** A hidden figure must not come back by arithmetic on the shown
ones. The attacker modelled here holds every figure published together — the network, by year,
and by anchor, category and neighbourhood both over every year (the dashboard, the open data)
and for each year (a report prints one year's) — and knows:

- that the cells of each table add up to its total: each year's cells to that year, each
  cell's years to its all-years figure, the years to the network (three two-way tables,
  year × anchor, year × category, year × neighbourhood, with their margins);
- how a cell's figures are made from kinds of lines (addressable or not, local, unknown,
  priority area, tagged ...) and which kinds the data holds, so any identity that holds in the
  data (``total = addressable`` when nothing is excluded; impact = the sum of its tags when no
  supplier has two) is an equation too.

Measures linked by such an identity are hidden together, cell by cell: then the identity
relates only hidden figures of one cell and tells nothing of any one of them (so each group of
measures is audited on its own table equations — small, and exact). Complements of a cell
(``total − local``: the non-local spend; ``impact − co_op``) are worked out from two groups,
and are protected like figures.

How it is made sure: each table of one group of measures is a grid — rows the years and
"every year", columns the table's values and the totals (years, network) — in which a hidden
cell can be worked out exactly when it lies on no cycle of hidden cells (a cycle is a change,
+ε, −ε in turn, that keeps every row and column total). So every hidden figure that must stay
hidden (a sensitive one, or one hiding a sensitive complement) is put on the cheapest such cycle
— an inner year cell before a margin, a small figure before a large one, a total last — and the
year and network figures every table shares are paired so that one change balances all tables
at once. Then each row and column gives the sum of its hidden cells: where that sum is itself
made of too few suppliers or dominated by one (a combination of figures is the same
combination of every supplier's payments, so its suppliers are known exactly), one more cell
of the row is hidden. Rounds repeat until nothing changes. tests/web/test_disclosure.py attacks
the result with linear algebra over everything published (not with these cycles).

Shares are shown only when every figure they are made of is.

Computed once per data generation and viewer (:func:`protection`): an anchor user knows its
own anchor's row of the anchor tables, which is then counted as shown.
"""

from __future__ import annotations

import heapq
import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from anchorkit.access.policy import SUPPLIER_DETAIL, SmallCellRule, rule_from
from anchorkit.analytics.indicators import DIMENSIONS, MEASURE_LINES
from anchorkit.analytics.model import fresh_model
from anchorkit.views.store import Store
from anchorkit.workspace import Workspace

log = logging.getLogger(__name__)

#: the breakdowns published beside the year trend, each for every year and for each year
TABLES = ("anchor", "category", "neighbourhood")
#: money figures published. Left out: differences of these (excluded = total − addressable),
#: and the split of addressable spend by whether an anchor can influence it — few suppliers
#: (utilities, rates) make the part it cannot, so showing both halves beside the total would
#: hide the totals themselves across the tables; it stays a figure for the backbone's analysts
PUBLISHED = tuple(
    m
    for m in MEASURE_LINES
    if m
    not in (
        "excluded_spend",
        "not_a_purchase_spend",
        "non_influenceable_spend",
        "influenceable_spend",
        "influenceable_local_spend",
    )
)
TAG = "tag:"
#: a payment smaller than this (money units) does not make a supplier part of a figure
CENT = 0.005
#: Cell keys: ALL = the network, every year; ("year", y); (table, ANY_YEAR, v) = v over every
#: year; (table, y, v) = v in year y (y None: lines with no fiscal year).
ALL: tuple[Any, ...] = ("all",)
ANY_YEAR = "*"
#: shares, from the money figures they divide: shown only when all of those are
SHARES: dict[str, tuple[str, ...]] = {
    "local_share": ("local_spend", "addressable_spend"),
    "wider_local_share": ("wider_local_spend", "addressable_spend"),
    "unknown_location_share": ("unknown_location_spend", "addressable_spend"),
    "priority_area_share": ("priority_area_spend", "addressable_spend"),
    "impact_share": ("impact_spend", "addressable_spend"),
    "influenceable_local_share": ("influenceable_local_spend", "influenceable_spend"),
    "local_share_of_known": ("local_spend", "addressable_spend", "unknown_location_spend"),
}
# where the secondary suppression prefers to hide (cost multipliers): inner year cells first,
# then margins, the years, the network; a group holding the totals last
_PLACE_COST = {"inner": 1.0, "margin": 3.0, "year": 6.0, "all": 20.0}
_TOTAL_COST = 4.0
_TOL = 1e-7
MAX_ROUNDS = 40

Cell = tuple[Any, ...]
Figure = tuple[Cell, str]  # (cell, measure)
Combo = dict[Cell, float]


@dataclass
class Family:
    """Every figure published together, who makes it, and the equations among them."""

    measures: list[str]
    groups: list[list[str]]  # measures linked by an identity in the data: hidden together
    values: dict[Figure, float]
    contrib: dict[Figure, dict[int, float]]
    relations: list[Combo]  # each table adds up to its total (the same for every measure)
    identities: list[dict[str, float]]  # combinations of measures zero in every cell
    complements: list[dict[str, float]]  # combinations of measures that are sums of lines
    rule: SmallCellRule
    known: frozenset[Cell] = frozenset()  # shown to this viewer whatever the rule

    @property
    def cells(self) -> list[Cell]:
        return sorted({cell for cell, _ in self.values}, key=repr)

    def group_of(self, measure: str) -> int:
        return next(i for i, g in enumerate(self.groups) if measure in g)

    def combined(self, combo: Mapping[Figure, float]) -> dict[int, float]:
        """A combination of figures as the same combination of each supplier's payments."""
        out: dict[int, float] = defaultdict(float)
        for fig, coefficient in combo.items():
            for supplier, amount in self.contrib.get(fig, {}).items():
                out[supplier] += coefficient * amount
        return out

    def sensitive(self, contributions: Mapping[int, float]) -> bool:
        """The rule, on one figure's (or one combination's) payments by supplier."""
        paid = [abs(v) for v in contributions.values() if abs(v) >= CENT]
        if not paid:
            return False  # nothing paid: a zero says nothing about anyone
        if len(paid) < self.rule.min_suppliers:
            return True
        return max(paid) / sum(paid) > self.rule.max_supplier_share

    def cost(self, cell: Cell, group: int) -> float:
        """What hiding a cell of a group costs the reader: bigger, more central cells cost more."""
        if cell == ALL:
            place = "all"
        elif cell[0] == "year":
            place = "year"
        else:
            place = "margin" if cell[1] == ANY_YEAR else "inner"
        measures = self.groups[group]
        weight = _PLACE_COST[place] * (_TOTAL_COST if "total_spend" in measures else 1.0)
        size = max(abs(self.values.get((cell, m), 0.0)) for m in measures)
        return weight * (size + 1.0)


@dataclass
class Protection:
    """Which figures are hidden: by the rule (primary) or to protect those (secondary)."""

    hidden: set[Figure]
    primary: set[Figure]
    rounds: int

    def shows(self, cell: Cell, measure: str) -> bool:
        return (cell, measure) not in self.hidden


# --- the family of figures ---------------------------------------------------------------------


def build_family(ws: Workspace, rule: SmallCellRule) -> Family:
    """Every figure of every table published together, from one pass over the lines."""
    engine = ws.engine
    model = fresh_model(ws)
    lines = (
        f"(SELECT c.*, a.name AS anchor_name FROM {model.cells_where(ws)} c "
        "JOIN anchor a USING (anchor_id)) l"
    )
    tags = [
        str(t)
        for (t,) in engine.query(
            "disclosure_tags",
            f"SELECT DISTINCT unnest(tags) AS t FROM {lines} WHERE tags IS NOT NULL ORDER BY t",
        )
    ]
    conditions = {m: MEASURE_LINES[m] for m in PUBLISHED}
    for tag in tags:
        conditions[TAG + tag] = f"addressable AND list_contains(tags, {_literal(tag)})"
    measures = list(conditions)
    sums = ", ".join(
        f"coalesce(sum(amount) FILTER (WHERE {c}), 0)::DOUBLE" for c in conditions.values()
    )
    flags = ", ".join(f"coalesce({c}, false)" for c in conditions.values())
    kinds = engine.query("disclosure_kinds", f"SELECT DISTINCT {flags} FROM {lines}")
    per_table = {
        table: engine.query(
            f"disclosure_{table}",
            f"SELECT {DIMENSIONS['year']}, {DIMENSIONS[table]}, supplier_key, {sums} "
            f"FROM {lines} GROUP BY ALL",
        )
        for table in TABLES
    }
    return assemble(per_table, measures, kinds, rule)


def assemble(
    per_table: Mapping[str, Iterable[Sequence[Any]]],
    measures: list[str],
    kinds: Sequence[Sequence[bool]],
    rule: SmallCellRule,
) -> Family:
    """The family from each table's (year, value, supplier, amount of each measure) rows and the
    kinds of lines the data holds (each a flag per measure: which measures a line counts in)."""
    suppliers: dict[Any, int] = {}
    contrib: dict[Figure, dict[int, float]] = defaultdict(dict)
    for table, rows in per_table.items():
        for year, value, supplier_key, *amounts in rows:
            supplier = suppliers.setdefault(supplier_key, len(suppliers))
            cells: list[Cell] = [(table, year, value), (table, ANY_YEAR, value)]
            if table == TABLES[0]:  # the year and the network, counted from one table
                cells += [("year", year), ALL]
            for measure, amount in zip(measures, amounts, strict=True):
                if amount:
                    for cell in cells:
                        into = contrib[(cell, measure)]
                        into[supplier] = into.get(supplier, 0.0) + amount
    all_cells = {cell for cell, _ in contrib} | {ALL}
    values = {
        (cell, m): float(sum(contrib.get((cell, m), {}).values()))
        for cell in all_cells
        for m in measures
    }
    kind_matrix = np.array(kinds, dtype=float).reshape(-1, len(measures)).T  # measures × kinds
    identities = _identities(kind_matrix, measures)
    return Family(
        measures=measures,
        groups=_groups(measures, identities),
        values=values,
        contrib=dict(contrib),
        relations=_table_relations(all_cells),
        identities=identities,
        complements=_complements(kind_matrix, measures),
        rule=rule,
    )


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _table_relations(cells: Iterable[Cell]) -> list[Combo]:
    """Each table adds up to its total: a year's cells to the year, a cell's years to its
    all-years figure, those to the network; the years to the network."""
    cells = list(cells)
    years = sorted({c[1] for c in cells if c[0] == "year"}, key=lambda y: (y is None, y))
    inner: dict[str, dict[Any, dict[Any, Cell]]] = {t: defaultdict(dict) for t in TABLES}
    for cell in cells:
        if cell[0] in TABLES and cell[1] != ANY_YEAR:
            inner[cell[0]][cell[2]][cell[1]] = cell
    groups: list[tuple[Cell, list[Cell]]] = [(ALL, [("year", y) for y in years])]
    for table in TABLES:
        columns = inner[table]
        groups.append((ALL, [(table, ANY_YEAR, v) for v in columns]))
        for value, by_year in columns.items():
            groups.append(((table, ANY_YEAR, value), list(by_year.values())))
        for year in years:
            groups.append((("year", year), [c[year] for c in columns.values() if year in c]))
    relations: list[Combo] = []
    for total, parts in groups:
        relation: Combo = {total: -1.0}
        for part in parts:
            relation[part] = relation.get(part, 0.0) + 1.0
        relations.append(relation)
    return relations


def _identities(kinds: np.ndarray, measures: Sequence[str]) -> list[dict[str, float]]:
    """Combinations of measures that are zero for every kind of line the data holds."""
    if kinds.size == 0:
        return []
    _, s, vt = np.linalg.svd(kinds.T, full_matrices=True)
    rank = int((s > _TOL * max(1.0, float(s.max()))).sum()) if s.size else 0
    null = vt[rank:]
    return [_sparse(row, measures) for row in _rref(null)] if null.shape[0] else []


def _groups(measures: Sequence[str], identities: Sequence[dict[str, float]]) -> list[list[str]]:
    """Measures linked by identities, directly or through others."""
    parent = {m: m for m in measures}

    def find(m: str) -> str:
        while parent[m] != m:
            m = parent[m]
        return m

    for identity in identities:
        names = list(identity)
        for other in names[1:]:
            parent[find(other)] = find(names[0])
    groups: dict[str, list[str]] = defaultdict(list)
    for m in measures:
        groups[find(m)].append(m)
    return list(groups.values())


def _complements(kinds: np.ndarray, measures: Sequence[str]) -> list[dict[str, float]]:
    """Combinations of a cell's measures that are sums over kinds of lines (besides the
    measures): differences of nested measures and the reduced rows of all of them."""
    if kinds.size == 0:
        return []
    n = len(measures)
    singles = {tuple(kinds[i]) for i in range(n)}
    found: dict[tuple[float, ...], dict[str, float]] = {}

    def keep(alpha: np.ndarray) -> None:
        union = alpha @ kinds
        rounded = np.round(union)
        if np.allclose(union, rounded, atol=1e-6) and set(rounded) <= {0.0, 1.0}:
            key = tuple(rounded)
            if any(key) and key not in singles and key not in found:
                found[key] = _sparse(alpha, measures)

    for i in range(n):
        for j in range(n):
            if i != j and np.all(kinds[j] <= kinds[i]):
                alpha = np.zeros(n)
                alpha[i], alpha[j] = 1.0, -1.0
                keep(alpha)
    for row in _rref(np.hstack([kinds, np.eye(n)])):
        keep(row[kinds.shape[1] :])
    return list(found.values())


def _sparse(row: np.ndarray, names: Sequence[str]) -> dict[str, float]:
    return {names[i]: float(round(v, 9)) for i, v in enumerate(row) if abs(v) > 1e-9}


def _rref(matrix: np.ndarray) -> list[np.ndarray]:
    """The nonzero rows of the reduced row echelon form (partial pivoting)."""
    m = np.array(matrix, dtype=float)
    rows, cols = m.shape
    pivot = 0
    for col in range(cols):
        if pivot >= rows:
            break
        best = pivot + int(np.argmax(np.abs(m[pivot:, col])))
        if abs(m[best, col]) < 1e-9:
            continue
        m[[pivot, best]] = m[[best, pivot]]
        m[pivot] /= m[pivot, col]
        others = np.abs(m[:, col]) > 1e-12
        others[pivot] = False
        m[others] -= np.outer(m[others, col], m[pivot])
        pivot += 1
    m[np.abs(m) < 1e-9] = 0.0
    return [m[i] for i in range(pivot)]


# --- complementary suppression -----------------------------------------------------------------

#: the column of a table's totals: the years' figures and the network's (shared by every table)
TOT = "(total)"
Node = tuple[str, Any]
Edge = tuple[Node, Node]


def _is_shared(cell: Cell) -> bool:
    return cell == ALL or cell[0] == "year"


def _edge(cell: Cell, table: str) -> Edge | None:
    """A cell as an edge of ``table``'s grid: rows are the years and ANY_YEAR, columns the
    table's values and TOT (so a cell's years and a row's values each add up at a node)."""
    if cell == ALL:
        return ("r", ANY_YEAR), ("c", TOT)
    if cell[0] == "year":
        return ("r", cell[1]), ("c", TOT)
    if cell[0] == table:
        return ("r", cell[1]), ("c", cell[2])
    return None


class _Grid:
    """One table as a bipartite graph: a node per row and per column, an edge per cell.

    Why a graph: with every row and column total published, a change to hidden cells that keeps
    every total is a cycle of hidden cells, +ε and −ε in turn; so a hidden cell can be worked
    out exactly when, and only when, it lies on no cycle of hidden cells (it is a bridge). A cell
    of the grid's inside is protected by a cycle that avoids the totals column, which every
    table shares; a shared cell (a year, the network) by a partner shared cell and, in every
    table, a path of hidden cells between their rows (the change to the shared cells is then
    the same in every table, so all three balance at once)."""

    def __init__(self, family: Family, table: str) -> None:
        self.adjacent: dict[Node, list[tuple[Node, Cell]]] = defaultdict(list)
        self.edges: dict[Cell, Edge] = {}
        for cell in family.cells:
            edge = _edge(cell, table)
            if edge is None or cell in family.known:
                continue  # a cell the viewer knows is a constant, not an unknown
            self.edges[cell] = edge
            row, column = edge
            self.adjacent[row].append((column, cell))
            self.adjacent[column].append((row, cell))

    def path(
        self, start: Node, goal: Node, hidden: set[Cell], cost: Any, without: Cell | None = None
    ) -> set[Cell] | None:
        """The cells of the cheapest path from ``start`` to ``goal`` through the grid's inside
        (hidden cells cost nothing, others what hiding them costs); None if there is none."""
        best: dict[Node, float] = {start: 0.0}
        back: dict[Node, tuple[Node, Cell]] = {}
        queue: list[tuple[float, int, Node]] = [(0.0, 0, start)]
        tie = 0
        while queue:
            dist, _, node = heapq.heappop(queue)
            if node == goal:
                cells: set[Cell] = set()
                while node != start:
                    node, cell = back[node]
                    cells.add(cell)
                return cells
            if dist > best.get(node, float("inf")):
                continue
            for other, cell in self.adjacent.get(node, ()):
                if cell == without or _is_shared(cell):
                    continue
                step = 1e-6 if cell in hidden else cost(cell)
                if dist + step < best.get(other, float("inf")):
                    best[other] = dist + step
                    back[other] = (node, cell)
                    tie += 1
                    heapq.heappush(queue, (dist + step, tie, other))
        return None


def _row_of(cell: Cell) -> Node:
    return ("r", ANY_YEAR if cell == ALL else cell[1])


def protect(family: Family) -> Protection:
    """Hide every sensitive figure (its whole group of measures in that cell), then the cheapest
    others until no hidden figure that must stay hidden can be worked out and no sum the tables
    give of hidden cells is itself made of too few suppliers."""
    n_groups = len(family.groups)
    hidden: dict[int, set[Cell]] = {g: set() for g in range(n_groups)}
    must: dict[int, set[Cell]] = {g: set() for g in range(n_groups)}  # not to be worked out
    primary: set[Figure] = set()
    for (cell, measure), paid in family.contrib.items():
        if cell in family.known or not family.sensitive(paid):
            continue
        primary.add((cell, measure))
        group = family.group_of(measure)
        hidden[group].add(cell)
        must[group].add(cell)
    core = family.group_of("total_spend") if "total_spend" in family.measures else -1
    for cell in family.cells:
        if cell in family.known:
            continue
        for complement in family.complements:
            groups = {family.group_of(m) for m in complement}
            if any(cell in must[g] for g in groups):
                continue  # one of its parts cannot be worked out: nor can the difference
            if family.sensitive(family.combined({(cell, m): a for m, a in complement.items()})):
                chosen = min(groups, key=lambda g: (g == core, family.cost(cell, g)))
                hidden[chosen].add(cell)
                must[chosen].add(cell)
    grids = {table: _Grid(family, table) for table in TABLES}
    checked: dict[int, set[tuple[str, Node, frozenset[Cell]]]] = {g: set() for g in hidden}
    for rounds in range(1, MAX_ROUNDS + 1):
        changed = False
        for group in range(n_groups):
            if not must[group]:
                continue
            changed |= _protect_group(family, grids, group, hidden[group], must[group])
            changed |= _protect_sums(
                family, grids, group, hidden[group], must[group], checked[group]
            )
        if not changed:
            return _protection(family, hidden, primary, rounds)
    log.warning("disclosure control did not settle in %s rounds: every figure hidden", MAX_ROUNDS)
    everything = {c for c in family.cells if c not in family.known}
    return _protection(family, {g: set(everything) for g in hidden}, primary, MAX_ROUNDS)


def _protect_group(
    family: Family, grids: dict[str, _Grid], group: int, hidden: set[Cell], must: set[Cell]
) -> bool:
    """Put every cell of ``must`` on a cycle of hidden cells (see :class:`_Grid`)."""

    def cost(cell: Cell) -> float:
        return family.cost(cell, group)

    changed = False
    for cell in sorted(must, key=repr):
        if _is_shared(cell):
            found = _shared_partner(family, grids, cell, hidden, cost)
        else:
            grid = grids[cell[0]]
            row, column = grid.edges[cell]
            found = grid.path(row, column, hidden, cost, without=cell)
            if found is None:  # no cycle inside the table: through the years it shares
                shared = ALL if cell[1] == ANY_YEAR else ("year", cell[1])
                found = {shared} if shared not in family.known else None
                if found is not None and shared not in must:
                    must.add(shared)
                    changed = True
        if found is None:
            found = {c for c in family.cells if c not in family.known}  # nothing else holds
        if not found <= hidden:
            hidden |= found
            changed = True
    return changed


def _shared_partner(
    family: Family, grids: dict[str, _Grid], cell: Cell, hidden: set[Cell], cost: Any
) -> set[Cell] | None:
    """The cheapest other shared cell and, in every table, a path between their rows."""
    options: list[tuple[float, set[Cell]]] = []
    row = _row_of(cell)
    for other in family.cells:
        if other == cell or not _is_shared(other) or other in family.known:
            continue
        cells = {other}
        total = 0.0 if other in hidden else cost(other)
        for grid in grids.values():
            if cell not in grid.edges or other not in grid.edges:
                total = float("inf")
                break
            path = grid.path(row, _row_of(other), hidden, cost)
            if path is None:
                total = float("inf")
                break
            cells |= path
            total += sum(cost(c) for c in path if c not in hidden)
        if total < float("inf"):
            options.append((total, cells))
    if not options:
        return None
    return min(options, key=lambda o: o[0])[1]


def _protect_sums(
    family: Family,
    grids: dict[str, _Grid],
    group: int,
    hidden: set[Cell],
    must: set[Cell],
    checked: set[tuple[str, Node, frozenset[Cell]]],
) -> bool:
    """Each row and column of a table gives the sum of its hidden cells (its total less the
    shown ones): while that sum is one supplier's, hide one more cell of the row."""
    changed = False
    for table, grid in grids.items():
        for node, incident in grid.adjacent.items():
            while True:
                here = frozenset(c for _, c in incident if c in hidden)
                if not here or (table, node, here) in checked:
                    break
                combo = {c: (-1.0 if _is_total_at(c, node) else 1.0) for c in here}
                shown = [c for _, c in incident if c not in hidden]
                if not shown or not any(
                    family.sensitive(family.combined({(c, m): a for c, a in combo.items()}))
                    for m in family.groups[group]
                ):
                    checked.add((table, node, here))
                    break
                extra = min(shown, key=lambda c: (_is_shared(c), family.cost(c, group)))
                hidden.add(extra)
                must.add(extra)
                changed = True
    return changed


def _is_total_at(cell: Cell, node: Node) -> bool:
    """Whether ``cell`` is the total of the row or column ``node`` (the others add up to it)."""
    if node == ("c", TOT):
        return cell == ALL
    if node[0] == "c":
        return cell[0] != "year" and cell != ALL and cell[1] == ANY_YEAR
    if node == ("r", ANY_YEAR):
        return cell == ALL
    return _is_shared(cell)


def _protection(
    family: Family, hidden: dict[int, set[Cell]], primary: set[Figure], rounds: int
) -> Protection:
    figures = {
        (cell, m) for group, cells in hidden.items() for cell in cells for m in family.groups[group]
    }
    return Protection(figures, primary, rounds)


# --- applying it -------------------------------------------------------------------------------


def family_of(store: Store) -> Family:
    """The network's figures, who makes them and their equations (cached per generation)."""
    return store.cached(
        ("disclosure_family",),
        lambda: build_family(store.reader(), rule_from(store.settings)),
        keep=True,
    )


def protection(store: Store, *, known_anchor: str | None = None) -> Protection:
    """What is hidden of the network's figures (cached per data generation); ``known_anchor``:
    the viewer's own anchor, whose row of the anchor tables they see in full."""

    def build() -> Protection:
        family = family_of(store)
        if known_anchor is not None:
            known = frozenset(c for c in family.cells if c[0] == "anchor" and c[2] == known_anchor)
            family = replace(family, known=known)
        return protect(family)

    return store.cached(("disclosure", known_anchor), build, keep=True)


def apply(
    figures: Mapping[str, Any],
    protected: Protection,
    *,
    year: int | None = None,
    known_anchor: str | None = None,
) -> dict[str, Any]:
    """``figures`` — the network and its rows by year, anchor, category and neighbourhood, as
    :func:`anchorkit.views.indicators.network_figures` makes them, for every year or ``year`` —
    with every hidden figure blanked, and shares only where all their parts are shown."""

    def cell_of(table: str | None, key: Any) -> Cell:
        if table is None:
            return ALL if year is None else ("year", year)
        if table == "year":
            return ("year", key)
        return (table, ANY_YEAR if year is None else year, key)

    network = _blank(dict(figures["network"]), cell_of(None, None), protected, own=False)
    by: dict[str, list[dict[str, Any]]] = {}
    for table, rows in figures["by"].items():
        by[table] = [
            _blank(
                dict(row),
                cell_of(table, row.get(table)),
                protected,
                own=table == "anchor"
                and known_anchor is not None
                and row.get(table) == known_anchor,
            )
            for row in rows
        ]
    return {"network": network, "by": by}


def _blank(row: dict[str, Any], cell: Cell, protected: Protection, *, own: bool) -> dict[str, Any]:
    """One row as published: hidden money blanked, shares of hidden money blanked, no detail of
    single suppliers; ``suppressed`` when the cell's total is hidden (then nothing of it shows)."""
    if own:
        row["suppressed"] = False
        row["suppressed_figures"] = []
        return row
    hidden = [
        m
        for m in MEASURE_LINES
        if m in row and (m not in PUBLISHED or not protected.shows(cell, m))
    ]
    tags = dict(row.get("tag_shares") or {})
    for tag in tags:
        if not protected.shows(cell, TAG + tag) or "addressable_spend" in hidden:
            tags[tag] = None
            hidden.append(TAG + tag)
    if "tag_shares" in row:
        row["tag_shares"] = tags
    for measure in hidden:
        if measure in row:
            row[measure] = None
    for share, parts in SHARES.items():
        if share in row and any(p in hidden for p in parts):
            row[share] = None
    for detail in SUPPLIER_DETAIL:
        if detail in row:
            row[detail] = None
    whole = "total_spend" in hidden
    if whole:  # the cell's own total is hidden: so is everything counted in it
        for key in row:
            if key == "tag_shares":
                row[key] = dict.fromkeys(row[key] or {})
            elif key not in ("year", *TABLES, "anchor_id"):
                row[key] = None
    row["suppressed"] = whole
    row["suppressed_figures"] = [m for m in hidden if m in PUBLISHED or m.startswith(TAG)]
    return row
