"""Published figures never reveal one supplier (issue 13, point 2): an attacker with every figure
published together — the network, by year, by anchor, category and neighbourhood, over every
year and for each year — and every equation among them (each table adds up to its totals, each
identity the data holds between measures) tries to work out each hidden value, each sensitive
difference (``total − local``, ``impact − co_op``) and each sum a row of a table gives.

The attacker is linear algebra over the published figures, independent of the cycles
:mod:`anchorkit.views.disclosure` protects with.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

import numpy as np

from anchorkit.access.policy import SmallCellRule
from anchorkit.records.accounts import PUBLIC, Actor
from anchorkit.views import disclosure, indicators
from anchorkit.views.disclosure import ALL, ANY_YEAR, SHARES, TABLES, TAG, Family, Figure
from tests.web.conftest import Site

RULE = SmallCellRule(5, 0.7)


def _attack(family: Family, shown: set[Figure]) -> list[str]:
    """Everything the attacker learns that the rule protects, as readable findings."""
    findings: list[str] = []
    figures = [(c, m) for c in family.cells for m in family.measures]
    hidden = [f for f in figures if f not in shown]
    for fig in figures:
        if (
            fig in shown
            and fig[0] not in family.known
            and family.sensitive(family.contrib.get(fig, {}))
        ):
            findings.append(f"shown though sensitive: {fig}")
    # equations among the hidden figures: one independent system per group of measures (an
    # identity links only measures of one group; each table's equations only one measure)
    spaces = []
    rows: list[dict[Figure, float]] = []
    for group in family.groups:
        own = [f for f in hidden if f[1] in group]
        index = {f: i for i, f in enumerate(own)}
        equations: list[dict[Figure, float]] = []
        for measure in group:
            for relation in family.relations:
                equations.append({(c, measure): a for c, a in relation.items()})
        for identity in family.identities:
            if set(identity) <= set(group):
                for cell in family.cells:
                    equations.append({(cell, m): a for m, a in identity.items()})
        # an equation with a cell the viewer knows (its own anchor's) gives a sum that is the
        # viewer's own spend, less the shown cells: nothing it did not know
        rows += [
            {f: a for f, a in e.items() if f in index}
            for e in equations
            if not any(f[0] in family.known for f in e)
        ]
        equations = [{f: a for f, a in e.items() if f in index} for e in equations]
        equations = [e for e in equations if e]
        matrix = np.zeros((len(equations), len(own)))
        for r, equation in enumerate(equations):
            for f, a in equation.items():
                matrix[r, index[f]] = a
        spaces.append((index, _row_space(matrix)))

    def determined(vector: dict[Figure, float]) -> bool:
        for index, basis in spaces:
            v = np.zeros(len(index))
            for fig, a in vector.items():
                if fig in index:
                    v[index[fig]] = a
            if not v.any():
                continue
            residual = v - basis.T @ (basis @ v) if basis.size else v
            if np.linalg.norm(residual) > 1e-6 * np.linalg.norm(v):
                return False  # this part can be anything: so can the whole
        return True

    for fig in hidden:
        if family.sensitive(family.contrib.get(fig, {})) and determined({fig: 1.0}):
            findings.append(f"worked out: {fig}")
    for cell in family.cells:
        if cell in family.known:
            continue
        for complement in family.complements:
            vector = {(cell, m): a for m, a in complement.items()}
            if family.sensitive(family.combined(vector)) and determined(vector):
                findings.append(f"difference worked out: {cell} {complement}")
    for vector in rows:  # each equation's hidden part is known: it must not be one supplier's
        if len(vector) > 1:
            if family.sensitive(family.combined(vector)):
                findings.append(
                    f"a sum of hidden cells is one supplier's: {sorted(vector, key=repr)}"
                )
    return findings


def _row_space(matrix: np.ndarray) -> np.ndarray:
    if not matrix.size:
        return np.zeros((0, matrix.shape[1]))
    _, s, vt = np.linalg.svd(matrix, full_matrices=False)
    return vt[s > 1e-9 * max(1.0, float(s.max()))]


def _published(site: Site, actor: Actor, family: Family) -> set[Figure]:
    """The figures the faces show ``actor`` (money and tag shares, every year and each year),
    checked against the truth to the cent."""
    store = site.app.state.anchorkit.store  # type: ignore[attr-defined]
    years = [r["year"] for r in indicators.overview(store, actor)["by"]["year"]]
    shown: set[Figure] = set()
    for year in [None, *years]:
        data = indicators.overview(store, actor, year=year)

        def cell_of(table: str | None, key: Any, year: Any = year) -> tuple[Any, ...]:
            if table is None:
                return ALL if year is None else ("year", year)
            if table == "year":
                return ("year", key)
            return (table, ANY_YEAR if year is None else year, key)

        rows = [(cell_of(None, None), data["network"])]
        rows += [(cell_of(t, r[t]), r) for t, rs in data["by"].items() for r in rs]
        for cell, row in rows:
            for share, parts in SHARES.items():
                if row.get(share) is not None:
                    assert all(row.get(p) is not None for p in parts), (cell, share)
            for measure in family.measures:
                if measure.startswith(TAG):
                    share = (row.get("tag_shares") or {}).get(measure[len(TAG) :])
                    value = None if share is None else share * float(row["addressable_spend"])
                    tolerance = 1e-4 * abs(family.values.get((cell, "addressable_spend"), 0)) + 1
                else:
                    value = row.get(measure)
                    tolerance = 0.01
                if value is not None:
                    truth = family.values.get((cell, measure), 0.0)
                    assert abs(float(value) - truth) <= tolerance, (cell, measure, value, truth)
                    shown.add((cell, measure))
    return shown


def test_nothing_published_from_the_demo_reveals_a_supplier(site: Site) -> None:
    store = site.app.state.anchorkit.store  # type: ignore[attr-defined]
    family = disclosure.family_of(store)
    shown = _published(site, PUBLIC, family)
    assert _attack(family, shown) == []
    # the rule looked at sub-cells: some cells show their total but not their impact spend
    partly = {c for c, m in shown if m == "total_spend"} - {
        c for c, m in shown if m == "impact_spend"
    }
    assert partly
    assert (ALL, "total_spend") in shown  # and the network's total is still published


def test_an_anchor_user_learns_nothing_more_than_its_own_row(site: Site) -> None:
    store = site.app.state.anchorkit.store  # type: ignore[attr-defined]
    own = next(iter(indicators.network_figures(store)["by"]["anchor"]))
    actor = Actor(email="a@test.org", role="anchor", anchor_id=own["anchor_id"])
    family = disclosure.family_of(store)
    known = frozenset(c for c in family.cells if c[0] == "anchor" and c[2] == own["anchor"])
    family = replace(family, known=known)
    shown = _published(site, actor, family) | {(c, m) for c in known for m in family.measures}
    assert _attack(family, shown) == []


# --- a network built to leak -------------------------------------------------------------------


def _lines() -> list[dict[str, Any]]:
    """Two years, three anchors, categories and neighbourhoods, 40 suppliers. Neighbourhood N1
    has 14 suppliers, one of them (S1) a co-op: N1's impact spend is S1's takings to the cent.
    Category C2's social-enterprise spend is made by two suppliers."""
    rng = random.Random(13)
    lines = []
    for s in range(40):
        hood = "N1" if s < 14 else rng.choice(["N2", "N3", "N4"])
        tag = "co_op" if s == 1 else ("social_enterprise" if s in (20, 21) else None)
        if s in (22, 23, 24, 25, 26, 27):
            tag = "co_op"
        for _ in range(6):
            category = "C2" if s in (20, 21) else rng.choice(["C1", "C2", "C3"])
            lines.append(
                {
                    "year": rng.choice([2023, 2024]),
                    "anchor": rng.choice(["A", "B", "C"]),
                    "category": category,
                    "neighbourhood": hood,
                    "supplier": f"S{s}",
                    "amount": round(rng.uniform(100, 5000), 2),
                    "tag": tag,
                }
            )
    return lines


def _family(lines: Iterable[dict[str, Any]]) -> Family:
    measures = ["total_spend", "addressable_spend", "impact_spend", TAG + "co_op"]
    measures.append(TAG + "social_enterprise")

    def flags(line: dict[str, Any]) -> tuple[bool, ...]:
        tag = line["tag"]
        return (True, True, tag is not None, tag == "co_op", tag == "social_enterprise")

    per_table: dict[str, dict[tuple[Any, ...], list[float]]] = {
        t: defaultdict(lambda: [0.0] * 5) for t in TABLES
    }
    kinds = set()
    for line in lines:
        f = flags(line)
        kinds.add(f)
        for table in TABLES:
            sums = per_table[table][(line["year"], line[table], line["supplier"])]
            for i, on in enumerate(f):
                sums[i] += line["amount"] if on else 0.0
    rows = {t: [(*k, *v) for k, v in sums.items()] for t, sums in per_table.items()}
    return disclosure.assemble(rows, measures, sorted(kinds), RULE)


def test_a_network_built_to_leak_leaks_nothing() -> None:
    family = _family(_lines())
    n1 = ("neighbourhood", ANY_YEAR, "N1")
    # the leak the issue found: N1's total is safe (14 suppliers), its impact spend is one's
    assert not family.sensitive(family.contrib[(n1, "total_spend")])
    assert family.sensitive(family.contrib[(n1, "impact_spend")])
    # the old rule (a cell's total only) showed every figure of a safe total: the attacker wins
    old = {
        (c, m)
        for c in family.cells
        for m in family.measures
        if not family.sensitive(family.contrib.get((c, "total_spend"), {}))
    }
    assert any("shown though sensitive" in f for f in _attack(family, old))
    protected = disclosure.protect(family)
    shown = {(c, m) for c in family.cells for m in family.measures if protected.shows(c, m)}
    assert _attack(family, shown) == []
    assert (n1, "total_spend") in shown and (n1, "impact_spend") not in shown
    assert (ALL, "total_spend") in shown
