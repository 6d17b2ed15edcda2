"""Name-only evidence between groups of spellings: which pairs to compare, and their name score.

Splink's model weighs a name together with a postcode; where a postcode is missing, the name is
all the evidence there is, and it is weighed here (see :mod:`anchorkit.resolve.names`). A group
(one name key at one postcode, see :mod:`anchorkit.resolve.run`) has one or two names to compare:
its name key and, for "1234567 Ontario Inc o/a Red Maple", its trade name. Two groups are as
alike as their most alike names.

Candidates come from :mod:`anchorkit.resolve.candidates` over the distinct names, then become
pairs of groups of which at least one has no postcode (pairs with two postcodes are Splink's).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from anchorkit.errors import ResolveError
from anchorkit.resolve.candidates import candidate_pairs
from anchorkit.resolve.names import CONFLICT_CAP, NameModel, NameScorer, NameSpace, same_word


@dataclass
class NameLinks:
    """Scored pairs of group positions (``a < b``) and what it took to find them."""

    a: np.ndarray
    b: np.ndarray
    score: np.ndarray
    conflict: np.ndarray  # names in conflict: never one supplier on their names alone
    proposed: dict[str, int] = field(default_factory=dict)
    dropped_entries: int = 0


class GroupNames:
    """The names of every group, and name scores between any two groups."""

    def __init__(
        self,
        name_keys: Sequence[str | None],
        trade_keys: Sequence[str | None],
        has_postcode: Sequence[bool],
        model: NameModel | None = None,
        agree: Sequence[str] | None = None,
        legal_forms: Sequence[frozenset[str]] | None = None,
    ) -> None:
        """``agree``: per group, values that must be equal for two groups to be one supplier
        (``anchorkit dedupe --extra-columns``); name-only pairs that differ score 0.
        ``legal_forms``: per group, the legal forms its spellings end with; two groups whose
        forms disagree ("Ltd" / "Inc") are in conflict: two companies of one name."""
        self.n = len(name_keys)
        self.legal = list(legal_forms) if legal_forms is not None else [frozenset()] * self.n
        self.agree = np.asarray(agree if agree is not None else [""] * self.n, dtype=object)
        self.space = NameSpace([k for k in (*name_keys, *trade_keys) if k])
        self.scorer = NameScorer(self.space, model)
        self.has_postcode = np.asarray(has_postcode, dtype=bool)
        pos = self.space.position
        self.names: list[tuple[int, ...]] = [
            tuple(dict.fromkeys(pos[k] for k in (name, trade) if k))
            for name, trade in zip(name_keys, trade_keys, strict=True)
        ]
        users: dict[int, list[int]] = defaultdict(list)
        for g, strings in enumerate(self.names):
            for s in strings:
                users[s].append(g)
        self.users = users

    def links(self, *, budget: int, neighbours: int = 10, limit: int | None = None) -> NameLinks:
        """Candidate pairs of groups (at least one without a postcode) with their name score.

        The pairs are counted before any is scored: past ``limit``, resolution stops.
        """
        query = np.zeros(len(self.space), dtype=bool)
        for g in np.flatnonzero(~self.has_postcode):
            query[list(self.names[g])] = True
        found = candidate_pairs(self.space, query, budget=budget, neighbours=neighbours)
        # the same name at several groups (postcodes) is a candidate too
        same = np.asarray([s for s, gs in self.users.items() if len(gs) > 1], dtype=np.int64)
        left = np.concatenate([found.a, same])
        right = np.concatenate([found.b, same])
        a, b = self._expand(left, right)
        if limit is not None and len(a) > limit:
            raise ResolveError(
                f"Resolution would compare {len(a):,} pairs of supplier names without a "
                f"postcode, above the limit of {limit:,} (setting resolve.max_comparisons)."
            )
        same = self.agree[a] == self.agree[b]
        a, b = a[same], b[same]
        scores, conflict = self.judge(a, b)
        return NameLinks(a, b, scores, conflict, found.proposed, found.dropped_entries)

    def reweight(self, supplier: Sequence[int]) -> None:
        """Weigh words by how many suppliers use them (``supplier[g]``: group g's supplier)."""
        of_key = list(range(len(self.space)))
        for g, strings in enumerate(self.names):
            for s in strings:
                of_key[s] = len(self.space) + int(supplier[g])
        self.space.reweight(of_key)

    def _expand(self, left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Pairs of names -> pairs of the groups using them, at least one without a postcode."""
        pairs: set[tuple[int, int]] = set()
        no_postcode = ~self.has_postcode
        for s, t in zip(left.tolist(), right.tolist(), strict=True):
            for g in self.users[s]:
                for h in self.users[t]:
                    if g != h and (no_postcode[g] or no_postcode[h]):
                        pairs.add((g, h) if g < h else (h, g))
        ordered = sorted(pairs)
        arr = np.asarray(ordered, dtype=np.int64).reshape(-1, 2)
        return arr[:, 0], arr[:, 1]

    def scores(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Each pair of groups' name score: the best over their names."""
        return self.judge(a, b)[0]

    def judge(self, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each pair of groups' name score (the best over their names) and whether that best
        pair of names is in conflict (see :func:`anchorkit.resolve.names.NameScorer.judge`)."""
        if len(a) == 0:
            return np.zeros(0), np.zeros(0, dtype=bool)
        needed: dict[tuple[int, int], int] = {}
        for g, h in zip(a.tolist(), b.tolist(), strict=True):
            for s in self.names[g]:
                for t in self.names[h]:
                    needed.setdefault((min(s, t), max(s, t)), len(needed))
        arr = np.asarray(list(needed), dtype=np.int64).reshape(-1, 2)
        values, conflicts = self.scorer.judge(arr[:, 0], arr[:, 1])
        out = np.zeros(len(a))
        conflict = np.zeros(len(a), dtype=bool)
        for i, (g, h) in enumerate(zip(a.tolist(), b.tolist(), strict=True)):
            best = max(
                (
                    (values[k], not conflicts[k], k)
                    for k in (
                        needed[(min(s, t), max(s, t))] for s in self.names[g] for t in self.names[h]
                    )
                ),
                default=None,
            )
            if best is not None:
                out[i], conflict[i] = best[0], not best[1]
            if self.legal[g] and self.legal[h] and self.legal[g].isdisjoint(self.legal[h]):
                out[i], conflict[i] = min(out[i], CONFLICT_CAP), True
        return out, conflict

    def legal_conflict(self, g: int, h: int) -> bool:
        """The two groups end with different legal forms ("Ltd" / "Inc")."""
        return bool(self.legal[g] and self.legal[h] and self.legal[g].isdisjoint(self.legal[h]))

    def same_first_word(self, g: int, h: int) -> bool:
        """Some name of each group starts with the same word (typos allowed)."""
        profiles = self.space.profiles
        firsts = [profiles[s].content[:1] for s in self.names[h]]
        return any(
            first and mine and same_word(mine[0], first[0])
            for s in self.names[g]
            for mine in (profiles[s].content[:1],)
            for first in firsts
        )

    def on_demand(self, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Scores (and conflicts) for pairs nobody proposed: the name's when a postcode is
        missing; two groups with postcodes that were not compared have different postcodes: 0.
        A conflict between the names is one whatever the postcodes."""
        out, conflict = self.judge(a, b)
        out[(self.has_postcode[a] & self.has_postcode[b]) | (self.agree[a] != self.agree[b])] = 0.0
        return out, conflict
