"""From scored pairs to suppliers, without chaining unrelated ones through intermediaries.

Joining every pair above the threshold (connected components) lets one doubtful link merge two
big suppliers: "General Motors" ~ "General Motors Electric" ~ "General Electric". Here pairs are
taken strongest first, and two groups of spellings join only when, **on average, their spellings
are the same supplier**: the mean score over every pair across the two (at most ``sample`` x
``sample`` of them, spread evenly) must reach ``linkage``, and **few pairs across them may be in
conflict** (two names that each say something the other does not: "Trillium Surgical" and
"Trillium Electric" may each join "Trillium Services", never each other; in an organisation of
many spellings a few such pairs are divisions). Pairs that were never
scored are scored on demand by the caller's ``score`` function (a name comparison), so the
average is over real evidence, not over the few pairs blocking happened to propose.

What is never overruled: a person's "match" joins, a person's "non-match" keeps apart (no
merge may put the two in one supplier); an identifier link joins unless it would undo a person's
non-match. Nor does any merge but a person's put two *exclusive* tags with different values in
one cluster: two entries of one registry (each lists a business once) stay two suppliers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

#: Pairs of node positions -> their scores, and whether each pair is in conflict (for pairs the
#: caller has not scored yet).
Scorer = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


@dataclass
class Clustering:
    """Each node's cluster (the smallest node position in it) and what was decided."""

    root: list[int]
    merges: int = 0
    refused: int = 0  # merges an edge asked for that the average linkage refused
    scored_on_demand: int = 0
    notes: list[str] = field(default_factory=list)


class _Clusters:
    def __init__(
        self,
        n: int,
        cannot: Iterable[tuple[int, int]],
        exclusive: Mapping[int, Mapping[str, frozenset[str]]],
    ) -> None:
        self.parent = list(range(n))
        self.members: dict[int, list[int]] = {i: [i] for i in range(n)}
        self.tags: dict[int, dict[str, frozenset[str]]] = {
            i: dict(tags) for i, tags in exclusive.items()
        }
        self.cannot: dict[int, set[int]] = {}
        for a, b in cannot:
            self.cannot.setdefault(a, set()).add(b)
            self.cannot.setdefault(b, set()).add(a)

    def find(self, x: int) -> int:
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def kept_apart(self, ra: int, rb: int) -> bool:
        """A person said some spelling of one is not some spelling of the other."""
        small, big = sorted((ra, rb), key=lambda r: len(self.members[r]))
        return any(self.find(y) == big for x in self.members[small] for y in self.cannot.get(x, ()))

    def clash(self, ra: int, rb: int) -> bool:
        """The two hold different values of one exclusive tag (two entries of one registry)."""
        ta, tb = self.tags.get(ra), self.tags.get(rb)
        if not ta or not tb:
            return False
        return any(k in tb and tb[k] != v for k, v in ta.items())

    def union(self, ra: int, rb: int) -> None:
        keep, gone = (ra, rb) if ra < rb else (rb, ra)
        self.parent[gone] = keep
        self.members[keep].extend(self.members.pop(gone))
        moved = self.tags.pop(gone, None)
        if moved:
            mine = self.tags.setdefault(keep, {})
            for k, v in moved.items():
                mine[k] = mine.get(k, frozenset()) | v


def cluster(
    n: int,
    edges: tuple[np.ndarray, np.ndarray, np.ndarray],
    known: Mapping[tuple[int, int], float],
    score: Scorer,
    *,
    conflicts: frozenset[tuple[int, int]] | set[tuple[int, int]] = frozenset(),
    max_conflicts: float = 0.2,
    threshold: float,
    linkage: float,
    forced: Iterable[tuple[int, int]] = (),
    joined: Iterable[tuple[int, int]] = (),
    cannot: Iterable[tuple[int, int]] = (),
    exclusive: Mapping[int, Mapping[str, frozenset[str]]] | None = None,
    sample: int = 24,
) -> Clustering:
    """Cluster ``n`` nodes.

    ``edges`` are (a, b, score) arrays of scored pairs; those at or above ``threshold`` are
    tried strongest first (ties by position, so the result is the same on every engine).
    ``known`` gives the score of every scored pair (``a < b``), ``conflicts`` those of them in
    conflict; a merge is refused when more than ``max_conflicts`` of the pairs across are in
    conflict. ``forced`` pairs (a person's
    word) join first, then ``joined`` pairs (identifiers) unless kept apart or clashing;
    ``exclusive``: node -> tag -> values, see the module's docstring.
    """
    c = _Clusters(n, cannot, exclusive or {})
    result = Clustering(root=[])
    for a, b in forced:
        ra, rb = c.find(a), c.find(b)
        if ra != rb and not c.kept_apart(ra, rb):
            c.union(ra, rb)
            result.merges += 1
    for a, b in joined:
        ra, rb = c.find(a), c.find(b)
        if ra != rb and not c.kept_apart(ra, rb) and not c.clash(ra, rb):
            c.union(ra, rb)
            result.merges += 1
    left, right, value = edges
    chosen = np.flatnonzero(value >= threshold)
    order = chosen[np.lexsort((right[chosen], left[chosen], -value[chosen]))]
    cache: dict[tuple[int, int], tuple[float, bool]] = {}
    for k in order.tolist():
        ra, rb = c.find(int(left[k])), c.find(int(right[k]))
        if ra == rb or c.kept_apart(ra, rb) or c.clash(ra, rb):
            continue
        mean, clash, fresh = _average(
            c.members[ra], c.members[rb], known, conflicts, cache, score, sample
        )
        result.scored_on_demand += fresh
        if mean >= linkage and clash <= max_conflicts:
            c.union(ra, rb)
            result.merges += 1
        else:
            result.refused += 1
    result.root = [c.find(i) for i in range(n)]
    return result


def _spread(members: list[int], size: int) -> list[int]:
    """At most ``size`` members, evenly spread over the sorted list (deterministic)."""
    ordered = sorted(members)
    if len(ordered) <= size:
        return ordered
    step = len(ordered) / size
    return [ordered[int(i * step)] for i in range(size)]


def _average(
    xs: list[int],
    ys: list[int],
    known: Mapping[tuple[int, int], float],
    conflicts: frozenset[tuple[int, int]] | set[tuple[int, int]],
    cache: dict[tuple[int, int], tuple[float, bool]],
    score: Scorer,
    sample: int,
) -> tuple[float, float, int]:
    """Mean score over the pairs across two clusters (scoring the missing ones on demand), the
    share of them in conflict, and how many were scored on demand."""
    pairs = [(min(x, y), max(x, y)) for x in _spread(xs, sample) for y in _spread(ys, sample)]
    missing = [p for p in pairs if p not in known and p not in cache]
    if missing:
        arr = np.asarray(missing, dtype=np.int64)
        values, flags = score(arr[:, 0], arr[:, 1])
        for p, v, x in zip(missing, values.tolist(), flags.tolist(), strict=True):
            cache[p] = (v, x)
    total = 0.0
    clashes = 0
    for p in pairs:
        if p in known:
            total += known[p]
            clashes += p in conflicts
        else:
            v, x = cache[p]
            total += v
            clashes += x
    return total / len(pairs), clashes / len(pairs), len(missing)
