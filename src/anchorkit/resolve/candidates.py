"""Which pairs of names are worth comparing, found by more than equal keys.

Blocking on exact keys (Splink's rules in :mod:`anchorkit.resolve.link`) finds spellings that
normalise alike; the same supplier written "Canadian Corps of Commissionaires" and "Corps
canadien des commissionnaires", "CBIE" and "Canadian Bureau for International Education", or
"Petrolium" and "Petroleum" shares no key. Here each name key is indexed under:

- each of its **rare words** (a word few of these names use: rarity is counted, not listed);
- the **sound** of each of its longer words (a Soundex-like skeleton, so one typo or a doubled
  letter still meets: "commissionnaires" / "commissionaires");
- its **initials** and what initials can stand for (its first word, its letters run together),
  so an acronym meets its expansion;
- its **nearest neighbours by letter triples** (TF-IDF cosine of character trigrams, exact top-k
  among the names sharing at least one of their less common trigrams).

A trade name ("1234567 Ontario Inc o/a Red Maple") is a key of its own (see
:mod:`anchorkit.resolve.link`), so it is indexed the same way.

The number of pairs is bounded before any is compared: an index entry used by very many names
(a common word, a common sound) is dropped, the most used first, until the pairs fit the budget;
the nearest-neighbour search keeps ``neighbours`` per name. Only pairs involving a *query* key
(a name without a postcode, whose only evidence is its name) are produced: names with postcodes
are compared by the postcode rules already.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from anchorkit.resolve.names import NameSpace

#: Soundex classes: letters that sound alike share a digit; vowels, h, w and y carry none.
_SOUND = {
    **dict.fromkeys("bfpv", "1"),
    **dict.fromkeys("cgjkqsxz", "2"),
    **dict.fromkeys("dt", "3"),
    "l": "4",
    **dict.fromkeys("mn", "5"),
    "r": "6",
}


def sound(word: str) -> str | None:
    """A word's sound key: its first letter, then the Soundex class of each consonant, repeats
    collapsed, at full length ("commissionnaires" and "commissionaires" -> ``c52562``). ``None``
    for words too short or not plain letters to say anything."""
    if len(word) < 4 or not word.isascii() or not word.isalpha():
        return None
    out = [word[0]]
    last = _SOUND.get(word[0], "")
    for char in word[1:]:
        digit = _SOUND.get(char, "")
        if digit and digit != last:
            out.append(digit)
        if char not in "hw":  # Soundex: a vowel separates repeats, h and w do not
            last = digit
    return "".join(out) if len(out) >= 3 else None


@dataclass
class Candidates:
    """Pairs of key positions ``a[i] < b[i]`` and how many each generator proposed."""

    a: np.ndarray
    b: np.ndarray
    proposed: dict[str, int] = field(default_factory=dict)
    dropped_entries: int = 0  # index entries left out because too many names shared them

    def __len__(self) -> int:
        return len(self.a)


def candidate_pairs(
    space: NameSpace,
    query: np.ndarray,
    *,
    budget: int,
    neighbours: int = 10,
    floor: float = 0.5,
) -> Candidates:
    """Pairs of keys worth scoring, each with at least one key where ``query`` is true.

    ``budget`` bounds the pairs from the word, sound and initials index; the nearest neighbours
    add at most ``neighbours`` per query key.
    """
    n = len(space)
    if n < 2 or not query.any():
        empty = np.zeros(0, dtype=np.int64)
        return Candidates(empty, empty)
    postings = _postings(space)
    kept, dropped, proposed = _within_budget(postings, query, budget)
    pairs = [_posting_pairs(ids, query) for ids in kept]
    near = _nearest(space, query, neighbours, floor)
    proposed["nearest_trigrams"] = len(near)
    pairs.append(near)
    stacked = np.concatenate(pairs) if pairs else np.zeros((0, 2), dtype=np.int64)
    unique = np.unique(stacked, axis=0) if len(stacked) else stacked
    return Candidates(unique[:, 0], unique[:, 1], proposed, dropped)


def _postings(space: NameSpace) -> dict[str, list[int]]:
    """Index entry -> the key positions filed under it (each once, ascending)."""
    index: dict[str, list[int]] = defaultdict(list)
    for i, profile in enumerate(space.profiles):
        entries = set()
        for word in profile.content:
            entries.add("w:" + word)
            code = sound(word)
            if code:
                entries.add("s:" + code)
        entries.update("a:" + x for x in profile.initials | profile.heads)
        for entry in entries:
            index[entry].append(i)
    return {k: v for k, v in index.items() if len(v) >= 2}


def _pairs_with_query(ids: list[int], query: np.ndarray) -> int:
    """Pairs among ``ids`` with at least one query key."""
    total = len(ids)
    others = total - int(query[ids].sum())
    return total * (total - 1) // 2 - others * (others - 1) // 2


def _within_budget(
    postings: dict[str, list[int]], query: np.ndarray, budget: int
) -> tuple[list[list[int]], int, dict[str, int]]:
    """The index entries kept, smallest first, until their pairs would pass ``budget``.

    Entries of one size are kept or dropped together, so the result does not depend on the
    order of entries of equal size.
    """
    by_size: dict[int, list[tuple[str, list[int]]]] = defaultdict(list)
    for entry, ids in postings.items():
        by_size[len(ids)].append((entry, ids))
    kept: list[list[int]] = []
    proposed = {"rare_words": 0, "sounds": 0, "initials": 0}
    kind = {"w": "rare_words", "s": "sounds", "a": "initials"}
    used = 0
    dropped = 0
    for size in sorted(by_size):
        entries = by_size[size]
        counts = [_pairs_with_query(ids, query) for _, ids in entries]
        if used + sum(counts) > budget:
            dropped = sum(len(v) for s, v in by_size.items() if s >= size)
            break
        used += sum(counts)
        for (entry, ids), count in zip(entries, counts, strict=True):
            if count:
                kept.append(ids)
                proposed[kind[entry[0]]] += count
    return kept, dropped, proposed


def _posting_pairs(ids: list[int], query: np.ndarray) -> np.ndarray:
    arr = np.asarray(ids, dtype=np.int64)
    i, j = np.triu_indices(len(arr), 1)
    left, right = arr[i], arr[j]
    keep = query[left] | query[right]
    return np.column_stack([left[keep], right[keep]])


def _top_per_row(
    rows: np.ndarray, cols: np.ndarray, values: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` best ``cols`` of each row (ties to the lower column), as aligned arrays."""
    order = np.lexsort((cols, -values, rows))
    rows, cols = rows[order], cols[order]
    first = np.r_[0, np.flatnonzero(rows[1:] != rows[:-1]) + 1]
    rank = np.arange(len(rows)) - np.repeat(first, np.diff(np.r_[first, len(rows)]))
    keep = rank < k
    return rows[keep], cols[keep]


def _nearest(space: NameSpace, query: np.ndarray, k: int, floor: float) -> np.ndarray:
    """Each query key's ``k`` nearest keys by trigram cosine (at least ``floor``), as pairs.

    Exact within the blocks that make it affordable: two keys are only compared when they share
    a trigram that at most ``limit`` keys have (a name near another shares some less common
    letters with it; " co" and "ing" alone make no neighbour). The shortlist comes from the
    cosine over those trigrams, the final choice from the full cosine.
    """
    matrix = space.trigrams
    assert matrix is not None
    n = matrix.shape[0]
    df = np.bincount(matrix.indices, minlength=matrix.shape[1])
    limit = max(200, n // 200)
    pruned = matrix.copy()
    pruned.data[df[pruned.indices] > limit] = 0.0
    pruned.eliminate_zeros()
    pruned_t = pruned.T.tocsr()
    rows = np.flatnonzero(query)
    out: list[np.ndarray] = []
    for start in range(0, len(rows), 2048):
        block = rows[start : start + 2048]
        near = (pruned[block] @ pruned_t).tocoo()
        left, right, rough = block[near.row], near.col.astype(np.int64), near.data
        other = left != right
        left, right = _top_per_row(left[other], right[other], rough[other], 3 * k)
        exact = np.asarray(matrix[left].multiply(matrix[right]).sum(axis=1)).ravel()
        good = exact >= floor
        left, right = _top_per_row(left[good], right[good], exact[good], k)
        out.append(np.column_stack([np.minimum(left, right), np.maximum(left, right)]))
    return np.concatenate(out) if out else np.zeros((0, 2), dtype=np.int64)
