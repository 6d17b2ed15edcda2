"""The name comparison, its candidates and the clustering, on small lists written for each case.

Acronyms, trade names, numbered companies and chaining: each case is a handful of names whose
right answer a person can see, so a failure says which kind of name went wrong.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from anchorkit.resolve.candidates import candidate_pairs, sound
from anchorkit.resolve.cluster import cluster
from anchorkit.resolve.dedupe import cluster_names
from anchorkit.resolve.names import FEATURES, NameScorer, NameSpace, same_word
from anchorkit.resolve.normalise import normalise_name

#: Unrelated names around each case, so word rarity means something (a two-name list has none).
FILLER = [
    "Harbour Print Shop",
    "Northern Lights Electrical",
    "Blue Kitchen Co-operative",
    "Maple Leaf Roofing",
    "Riverside Dental Clinic",
    "Summit Legal Services",
    "Queen Street Bakery",
    "Lakeshore Plumbing and Heating",
    "Prairie Seed Company",
    "Atlantic Courier",
    "Granite Construction Group",
    "Westend Florists",
    "Coastal Marine Supplies",
    "Pioneer Office Furniture",
    "Evergreen Landscaping",
    "Metro Security Systems",
]


def _clusters(names: list[str], postcodes: list[str | None] | None = None) -> dict[str, str]:
    rows = [*names, *FILLER]
    columns: dict[str, list[str | None]] = {"id": rows, "name": rows}
    if postcodes is not None:
        columns["postcode"] = [*postcodes, *([None] * len(FILLER))]
    found = cluster_names(
        pa.table(columns),
        id_column="id",
        name_column="name",
        postcode_column="postcode" if postcodes is not None else None,
    )
    return {n: found.cluster_of[n] for n in names}


def _space(names: list[str]) -> NameSpace:
    return NameSpace([normalise_name(n).name for n in [*names, *FILLER]])


def _measure(space: NameSpace, a: str, b: str) -> dict[str, float]:
    row = space.features(
        space.index([normalise_name(a).name]), space.index([normalise_name(b).name])
    )
    return dict(zip(FEATURES, row[0].tolist(), strict=True))


def test_an_acronym_meets_its_expansion() -> None:
    names = ["Canadian Bureau for International Education", "CBIE", "Canadian Blood Services"]
    space = _space(names)
    keys = [normalise_name(n).name for n in names]
    found = candidate_pairs(space, np.ones(len(space), dtype=bool), budget=10_000)
    pairs = {(space.keys[a], space.keys[b]) for a, b in zip(found.a, found.b, strict=True)}
    assert tuple(sorted(keys[:2])) in pairs, "no candidate pair for the acronym"
    assert _measure(space, names[0], names[1])["acronym"] == 1.0
    assert _measure(space, names[1], names[2])["acronym"] == 0.0  # "cbs" is not "cbie"
    scorer = NameScorer(space)
    a, b, c = space.index(keys)
    scores = scorer.scores(np.array([a, b]), np.array([b, c]))
    assert scores[0] > scores[1]


def test_a_trade_name_meets_its_numbered_company() -> None:
    names = [
        "1234567 Ontario Inc o/a Red Maple Furniture",
        "Red Maple Furniture",
        "RED MAPLE FURNITURE LTD",
        "1234567 ONTARIO LIMITED",
        "Red Oak Furniture",
    ]
    found = _clusters(names)
    assert found[names[0]] == found[names[1]] == found[names[2]] == found[names[3]]
    assert found[names[4]] != found[names[1]]


def test_numbered_companies_with_other_numbers_stay_apart() -> None:
    names = ["1234567 Ontario Inc", "1234567 ONTARIO LTD", "7654321 Ontario Inc", "Unit 12 Ltd"]
    found = _clusters([*names, "Unit 14 Ltd"])
    assert found[names[0]] == found[names[1]]
    assert found[names[0]] != found[names[2]]
    assert found["Unit 12 Ltd"] != found["Unit 14 Ltd"]
    space = _space([*names, "Unit 14 Ltd"])
    assert _measure(space, "Unit 12 Ltd", "Unit 14 Ltd")["number_conflict"] == 1.0


def test_typos_and_cut_off_names_without_a_postcode_are_found() -> None:
    names = [
        "Kennedy Roofing",
        "Kenneyd Roofing",
        "Goldline Office Products Services",
        "Goldline Office Products Servi",
        "Commissionaires Ottawa",
        "Commisionaires Ottawa",
    ]
    found = _clusters(names)
    assert found[names[0]] == found[names[1]]
    assert found[names[2]] == found[names[3]]
    assert found[names[4]] == found[names[5]]
    assert len({found[n] for n in names}) == 3


def test_one_doubtful_pair_does_not_chain_two_suppliers() -> None:
    # 0-1 and 2-3 are each one supplier; 1-2 is a strong-looking link, but every other pair
    # across the two is unlike: connected components would make one supplier of four
    a = np.array([0, 2, 1])
    b = np.array([1, 3, 2])
    s = np.array([0.99, 0.99, 0.93])
    known = {(0, 1): 0.99, (2, 3): 0.99, (1, 2): 0.93}

    done = cluster(4, (a, b, s), known, _flat(0.02), threshold=0.9, linkage=0.4)
    assert done.root == [0, 0, 2, 2]
    assert done.refused == 1 and done.scored_on_demand == 3
    # when the rest agrees too, the same link joins them...
    agreeing = cluster(4, (a, b, s), known, _flat(0.8), threshold=0.9, linkage=0.4)
    assert agreeing.root == [0, 0, 0, 0]
    # ...unless two of the names are in conflict ("Trillium Surgical" / "Trillium Electric")
    clash = cluster(4, (a, b, s), known, _flat(0.8, {(0, 3)}), threshold=0.9, linkage=0.4)
    assert clash.root == [0, 0, 2, 2]


def _flat(value: float, conflicts: set[tuple[int, int]] = frozenset()):  # type: ignore[assignment,no-untyped-def]
    """An on-demand scorer: every pair scores ``value``; ``conflicts`` are in conflict."""

    def score(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        pairs = zip(x.tolist(), y.tolist(), strict=True)
        return np.full(len(x), value), np.array([p in conflicts for p in pairs], dtype=bool)

    return score


def test_names_that_each_say_something_else_never_merge() -> None:
    names = ["Trillium Services", "Trillium Surgical", "Trillium Electric", "TRILLIUM SURGICAL INC"]
    found = _clusters(names)
    assert found["Trillium Surgical"] == found["TRILLIUM SURGICAL INC"]
    assert found["Trillium Surgical"] != found["Trillium Electric"]
    space = _space([*names, "Commissionaires Ottawa", "Commissionaires Hamilton"])
    assert _measure(space, "Trillium Surgical", "Trillium Electric")["both_own_words"] == 1.0
    # a place at the end is a branch, not a word of its own; a surname after "and" is not
    assert (
        _measure(space, "Commissionaires Ottawa", "Commissionaires Hamilton")["both_own_words"]
        == 0.0
    )
    wilson = _space(["Wilson Electric", "Wilson and Thompson Associates"])
    assert (
        _measure(wilson, "Wilson Electric", "Wilson and Thompson Associates")["both_own_words"]
        == 1.0
    )


def test_people_and_registries_are_never_overruled() -> None:
    a, b, s = np.array([0, 1]), np.array([1, 2]), np.array([0.99, 0.99])
    known = {(0, 1): 0.99, (1, 2): 0.99}
    high = _flat(0.99)
    apart = cluster(3, (a, b, s), known, high, threshold=0.9, linkage=0.4, cannot=[(0, 2)])
    assert apart.root[0] != apart.root[2]
    entries = {0: {"coops": frozenset({"R1"})}, 2: {"coops": frozenset({"R2"})}}
    two = cluster(3, (a, b, s), known, high, threshold=0.9, linkage=0.4, exclusive=entries)
    assert two.root[0] != two.root[2]
    said = cluster(3, (a, b, s), {}, high, threshold=1.1, linkage=0.4, forced=[(0, 2)])
    assert said.root == [0, 1, 0]


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("commissionaires", "commissionnaires", True),
        ("canadain", "canadian", True),
        ("petrolium", "petroleum", True),
        ("ford", "fort", False),
        ("securite", "securitas", False),
        ("unit12", "unit14", False),
    ],
)
def test_same_word_allows_one_slip_in_a_long_word(a: str, b: str, same: bool) -> None:
    assert same_word(a, b) is same


def test_sound_keys() -> None:
    assert sound("commissionaires") == sound("commissionnaires")
    assert sound("petrolium") == sound("petroleum")
    assert sound("abc") is None and sound("12345") is None
