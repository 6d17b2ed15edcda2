"""Every piece of evidence about pairs of name groups, weighed into suppliers, with the reason.

A name group is one name key at one postcode (see :mod:`anchorkit.resolve.run`). Evidence:

- **Splink's model** (:func:`anchorkit.resolve.link.score_pairs`): name and postcode together,
  for pairs its blocking rules compare. It decides pairs where both groups have a postcode.
- **The name model** (:mod:`anchorkit.resolve.name_links`): where a postcode is missing, the
  name is all the evidence there is; identical names, trade names or numbered companies are one
  supplier by rule, other pairs get the name score.
- **Identifiers**: one anchor's vendor id, or a registry id found as a vendor id. Strong
  evidence, never alone: the two names must reach ``Thresholds.identifier`` (the name score) or
  start with the same word, otherwise the pair waits in review ("same vendor id, names differ")
  — a row counter mistaken for a vendor id must not chain unrelated suppliers. An id shared by more than
  ``MAX_ID_GROUPS`` different names is not behaving like an identifier and is not used.
- **People's decisions**: a "match" joins, a "non-match" keeps apart, whatever the rest says.

The pairs are clustered twice (:mod:`anchorkit.resolve.cluster`): the first clustering tells
which spellings are one supplier, so that a word is then weighed by how many *suppliers* use it
rather than how many spellings (see :meth:`anchorkit.resolve.names.NameSpace.reweight`); the
name scores are recomputed and the second clustering is the result.

Everything here runs on the driver on Arrow data in group-id order, so DuckDB and Spark
workspaces get the same suppliers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from anchorkit.resolve.cluster import cluster
from anchorkit.resolve.link import DEFAULT_THRESHOLDS, Thresholds
from anchorkit.resolve.name_links import GroupNames
from anchorkit.resolve.names import NameModel

#: A vendor id shared by more different names than this, within one anchor, is not an identifier.
MAX_ID_GROUPS = 20
#: A name whose likely matches conflict with one another this often is ambiguous (see _ambiguous).
AMBIGUOUS_SHARE = 0.5
#: Name pairs to score per name group without a postcode (candidates beyond are not proposed).
PAIRS_PER_QUERY = 30

PERSON, IDENTIFIER, RULE, MODEL = "person", "identifier", "rule", "model"


@dataclass(frozen=True)
class IdPair:
    """Two groups sharing an identifier, and which (e.g. "vendor id V001 at City")."""

    a: str
    b: str
    what: str
    registry: bool = False


@dataclass
class Outcome:
    """Each group's cluster (its smallest group id) and why it is there; pairs for review."""

    root: dict[str, str]
    reason: dict[str, tuple[str, float | None]]
    review: list[tuple[str, str, float, str]]
    name_pairs: int = 0
    proposed: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    #: The same evidence clustered at other thresholds (a precision-recall curve), words
    #: weighed as for this outcome.
    recluster: Callable[[Thresholds], dict[str, str]] | None = None


@dataclass
class _Edges:
    """Scored pairs of group positions ``a < b``, with what scored them."""

    a: list[int] = field(default_factory=list)
    b: list[int] = field(default_factory=list)
    score: list[float] = field(default_factory=list)
    kind: list[str] = field(default_factory=list)
    conflict: list[bool] = field(default_factory=list)

    def add(self, a: int, b: int, score: float, kind: str, conflict: bool = False) -> None:
        self.a.append(min(a, b))
        self.b.append(max(a, b))
        self.score.append(score)
        self.kind.append(kind)
        self.conflict.append(conflict)


def weigh(
    groups: pa.Table,
    splink_pairs: pa.Table,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    *,
    ids: Sequence[IdPair] = (),
    decisions: Mapping[tuple[str, str], tuple[str, str]] | None = None,
    model: NameModel | None = None,
    agree: Sequence[str] | None = None,
    exclusive: Mapping[str, Mapping[str, frozenset[str]]] | None = None,
    max_pairs: int | None = None,
) -> Outcome:
    """Weigh the evidence about ``groups`` (``group_id``, ``name_key``, ``trade_key``,
    ``postcode``; sorted by ``group_id``) into suppliers.

    ``splink_pairs``: Splink's scored pairs (``group_id_l``, ``group_id_r``,
    ``match_probability``, ``name_rule``); ``decisions``: (group, group), in order -> (decision,
    who); ``agree``: per group, values that must be equal (see :class:`GroupNames`);
    ``exclusive``: group -> tag -> values no cluster may mix (registry -> entry ids);
    ``max_pairs``: stop before scoring more name-only pairs than this.
    """
    decisions = decisions or {}
    group_ids: list[str] = groups.column("group_id").to_pylist()
    position = {g: i for i, g in enumerate(group_ids)}
    names = GroupNames(
        groups.column("name_key").to_pylist(),
        groups.column("trade_key").to_pylist(),
        [p is not None for p in groups.column("postcode").to_pylist()],
        model,
        agree,
        _legal_forms(groups),
    )
    queries = int((~names.has_postcode).sum())
    links = names.links(budget=100_000 + PAIRS_PER_QUERY * queries, limit=max_pairs)
    outcome = Outcome(root={}, reason={}, review=[], proposed=links.proposed)
    if links.dropped_entries:
        outcome.notes.append(
            f"{links.dropped_entries:,} name-index entries shared by too many names were not "
            "used to propose pairs"
        )
    edges = _Edges()
    name_only: dict[tuple[int, int], int] = {}  # a name-only pair -> its edge, for rescoring
    for a, b, score, clash in zip(
        links.a.tolist(),
        links.b.tolist(),
        links.score.tolist(),
        links.conflict.tolist(),
        strict=True,
    ):
        name_only[(a, b)] = len(edges.a)
        edges.add(a, b, score, MODEL, clash)
    unscored: list[tuple[int, int]] = []
    with_postcodes: list[int] = []  # edges scored by Splink, whose names may be in conflict
    no_postcode = ~names.has_postcode
    columns = (splink_pairs.column(c).to_pylist() for c in _SPLINK_COLUMNS)
    for left, right, p, rule in zip(*columns, strict=True):
        a, b = sorted((position[left], position[right]))
        if names.agree[a] != names.agree[b]:
            continue
        if not (no_postcode[a] or no_postcode[b]):
            with_postcodes.append(len(edges.a))
            edges.add(a, b, round(float(p), 9), MODEL)  # the last bits differ between engines
        elif rule and not names.legal_conflict(a, b):
            at = name_only.setdefault((a, b), len(edges.a))
            if at == len(edges.a):
                edges.add(a, b, 1.0, RULE)
            else:
                edges.score[at], edges.kind[at], edges.conflict[at] = 1.0, RULE, False
        elif (a, b) not in name_only:
            name_only[(a, b)] = len(edges.a)
            edges.add(a, b, 0.0, MODEL)
            unscored.append((a, b))
    if unscored:
        pairs = np.asarray(unscored, dtype=np.int64)
        scores, clashes = names.judge(pairs[:, 0], pairs[:, 1])
        for (a, b), score, clash in zip(unscored, scores, clashes, strict=True):
            edges.score[name_only[(a, b)]] = float(score)
            edges.conflict[name_only[(a, b)]] = bool(clash)
    if with_postcodes:
        rows = np.asarray(with_postcodes, dtype=np.int64)
        _scores, clashes = names.judge(np.asarray(edges.a)[rows], np.asarray(edges.b)[rows])
        for k, clash in zip(with_postcodes, clashes.tolist(), strict=True):
            edges.conflict[k] = clash
    outcome.name_pairs = len(name_only)
    forced, cannot = _people(decisions, position)
    agreed, differ = _identifiers(ids, position, names, thresholds)
    if differ:
        outcome.notes.append(
            f"{len(differ):,} pairs of spellings share an identifier but not a similar name "
            f"(name score below {thresholds.identifier}): not merged on the identifier"
        )
    joined = [(a, b) for a, b, _ in agreed]
    tags = {position[g]: t for g, t in (exclusive or {}).items() if g in position}
    roots = _cluster(names, edges, name_only, thresholds, forced, joined, cannot, tags)
    if name_only:  # words weighed by how many suppliers use them, then once more
        names.reweight(roots)
        pairs = np.asarray(list(name_only), dtype=np.int64)
        scores, clashes = names.judge(pairs[:, 0], pairs[:, 1])
        for at, score, clash in zip(
            name_only.values(), scores.tolist(), clashes.tolist(), strict=True
        ):
            if edges.kind[at] == MODEL:
                edges.score[at], edges.conflict[at] = score, clash
        roots = _cluster(names, edges, name_only, thresholds, forced, joined, cannot, tags)
    outcome.root = {g: group_ids[roots[i]] for i, g in enumerate(group_ids)}

    def recluster(other: Thresholds) -> dict[str, str]:
        done = _cluster(names, edges, name_only, other, forced, joined, cannot, tags)
        return {g: group_ids[done[i]] for i, g in enumerate(group_ids)}

    outcome.recluster = recluster
    outcome.reason = _reasons(
        group_ids, roots, edges, forced, agreed, decisions, names.has_postcode
    )
    for a, b, score, kind in zip(edges.a, edges.b, edges.score, edges.kind, strict=True):
        pair = (group_ids[a], group_ids[b])
        apart = roots[a] != roots[b] and pair not in decisions
        if apart and kind == MODEL and thresholds.review <= score < thresholds.match:
            outcome.review.append((*pair, score, ""))
    for a, b, score, p in differ:
        pair = (group_ids[a], group_ids[b])
        if roots[a] != roots[b] and pair not in decisions:
            outcome.review.append((*pair, score, f"same {p.what}, names differ"))
    return outcome


_SPLINK_COLUMNS = ("group_id_l", "group_id_r", "match_probability", "name_rule")


def _legal_forms(groups: pa.Table) -> list[frozenset[str]] | None:
    if "legal_form_a" not in groups.column_names:
        return None
    return [
        frozenset(f for f in pair if f)
        for pair in zip(
            groups.column("legal_form_a").to_pylist(),
            groups.column("legal_form_b").to_pylist(),
            strict=True,
        )
    ]


def _people(
    decisions: Mapping[tuple[str, str], tuple[str, str]], position: Mapping[str, int]
) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """People's "match" pairs (joined first) and "non-match" pairs (never joined)."""
    forced: list[tuple[int, int]] = []
    cannot: list[tuple[int, int]] = []
    for (x, y), (decision, _by) in sorted(decisions.items()):
        if x in position and y in position:
            (forced if decision == "match" else cannot).append((position[x], position[y]))
    return forced, cannot


def _identifiers(
    ids: Sequence[IdPair],
    position: Mapping[str, int],
    names: GroupNames,
    thresholds: Thresholds,
) -> tuple[list[tuple[int, int, IdPair]], list[tuple[int, int, float, IdPair]]]:
    """Identifier pairs whose names agree enough to merge, and those whose names do not."""
    usable = [p for p in ids if p.a in position and p.b in position]
    if not usable:
        return [], []
    a = np.array([position[p.a] for p in usable], dtype=np.int64)
    b = np.array([position[p.b] for p in usable], dtype=np.int64)
    agreed: list[tuple[int, int, IdPair]] = []
    differ: list[tuple[int, int, float, IdPair]] = []
    for x, y, p, score in zip(a.tolist(), b.tolist(), usable, names.scores(a, b), strict=True):
        x, y = min(x, y), max(x, y)
        if score >= thresholds.identifier or names.same_first_word(x, y):
            agreed.append((x, y, p))
        else:
            differ.append((x, y, float(score), p))
    return agreed, differ


def _ambiguous(
    names: GroupNames,
    edges: _Edges,
    name_only: Mapping[tuple[int, int], int],
    thresholds: Thresholds,
) -> set[int]:
    """Edges from a name that matches several suppliers which are not one another.

    "Trillium Services" (no postcode) is as like "Trillium IT Services" as "Trillium Surgical",
    and those two are in conflict: which one it is, its name cannot say. A name is ambiguous when
    more than AMBIGUOUS_SHARE of the pairs among its likely matches are in conflict (among the
    many spellings of a big organisation a few are). Its name-only links do
    not merge it (they wait in review); identifiers and people still can. A supplier is a
    likely reading from the review threshold up.
    """
    near: dict[int, list[int]] = {}
    for at in name_only.values():
        if edges.kind[at] == MODEL and edges.score[at] >= thresholds.review:
            a, b = edges.a[at], edges.b[at]
            near.setdefault(a, []).append(b)
            near.setdefault(b, []).append(a)
    pairs = sorted(
        {(min(x, y), max(x, y)) for ys in near.values() for x in ys for y in ys if x != y}
    )
    if not pairs:
        return set()
    arr = np.asarray(pairs, dtype=np.int64)
    _scores, clashes = names.judge(arr[:, 0], arr[:, 1])
    clashing = {p for p, clash in zip(pairs, clashes.tolist(), strict=True) if clash}
    hubs = set()
    for hub, ys in near.items():
        across = [(min(x, y), max(x, y)) for i, x in enumerate(ys) for y in ys[i + 1 :]]
        if across and sum(p in clashing for p in across) > AMBIGUOUS_SHARE * len(across):
            hubs.add(hub)
    return {
        at
        for at in name_only.values()
        if edges.kind[at] == MODEL and (edges.a[at] in hubs or edges.b[at] in hubs)
    }


def _cluster(
    names: GroupNames,
    edges: _Edges,
    name_only: Mapping[tuple[int, int], int],
    thresholds: Thresholds,
    forced: list[tuple[int, int]],
    joined: list[tuple[int, int]],
    cannot: list[tuple[int, int]],
    tags: Mapping[int, Mapping[str, frozenset[str]]],
) -> list[int]:
    a = np.asarray(edges.a, dtype=np.int64)
    b = np.asarray(edges.b, dtype=np.int64)
    s = np.asarray(edges.score, dtype=np.float64)
    unsure = _ambiguous(names, edges, name_only, thresholds)
    if unsure:
        s = s.copy()
        s[np.fromiter(unsure, dtype=np.int64)] = -1.0  # scored, but no merge may start there
    known: dict[tuple[int, int], float] = {}
    conflicts: set[tuple[int, int]] = set()
    for x, y, v, clash in zip(edges.a, edges.b, edges.score, edges.conflict, strict=True):
        known[(x, y)] = max(v, known.get((x, y), 0.0))
        if clash:
            conflicts.add((x, y))
    for x, y in cannot:
        known[(min(x, y), max(x, y))] = 0.0
    done = cluster(
        names.n,
        (a, b, s),
        known,
        names.on_demand,
        conflicts=conflicts,
        threshold=thresholds.match,
        linkage=thresholds.linkage,
        forced=forced,
        joined=joined,
        cannot=cannot,
        exclusive=tags,
    )
    return done.root


def _reasons(
    group_ids: Sequence[str],
    roots: Sequence[int],
    edges: _Edges,
    forced: Sequence[tuple[int, int]],
    id_forced: Sequence[tuple[int, int, IdPair]],
    decisions: Mapping[tuple[str, str], tuple[str, str]],
    has_postcode: np.ndarray,
) -> dict[str, tuple[str, float | None]]:
    """For each group, the strongest evidence tying it to another group of its supplier."""
    best: dict[int, tuple[tuple[int, float], str, float | None]] = {}

    def offer(x: int, y: int, rank: int, score: float, text: str, prob: float | None) -> None:
        if roots[x] != roots[y]:
            return
        for me, other in ((x, y), (y, x)):
            key = (rank, score)
            if me not in best or key > best[me][0]:
                best[me] = (key, text.replace("{other}", group_ids[other]), prob)

    for x, y in forced:
        pair = tuple(sorted((group_ids[x], group_ids[y])))
        who = decisions.get(pair, ("match", "person"))[1]  # type: ignore[arg-type]
        offer(x, y, 4, 1.0, who, None)
    for x, y, p in id_forced:
        offer(x, y, 3, 1.0, f"{'registry' if p.registry else 'identifier'}: {p.what}", None)
    for x, y, s, kind in zip(edges.a, edges.b, edges.score, edges.kind, strict=True):
        if kind == RULE:
            offer(x, y, 2, s, "rule: same name, trade name or numbered company", None)
        elif s > 0:
            evidence = "name and postcode" if has_postcode[x] and has_postcode[y] else "name"
            offer(x, y, 1, s, f"model {s:.2f} ({evidence})", s)
    out: dict[str, tuple[str, float | None]] = {}
    for i, g in enumerate(group_ids):
        if i in best:
            out[g] = (best[i][1], best[i][2])
        else:
            out[g] = ("name key", None)
    return out
