"""Investment registers for the demo network, as treasury offices keep them — and the truth.

Each anchor holds deposits and bonds with banks and governments outside Toronto, an index fund
with no address, and some place-based holdings: community loan funds, community bonds and
affordable-housing funds in Toronto's Neighbourhood Improvement Areas (flagged in the register),
and deposits or loans with co-ops and social enterprises the network also buys from (not flagged:
their impact comes from the registries, once the investee is matched to the supplier). Two
layouts take turns (a CSV with a flags column; an XLSX with a yes/no column per flag).

``truth/investment.csv``: every holding with whether it is local (a Toronto postcode), in a
priority area, flagged, and the supplier it is.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path

from anchorkit.demo.reference import Place, load_places
from anchorkit.demo.workforce import LeverFile
from anchorkit.place.regions import Region
from anchorkit.workspace import slugify

ELSEWHERE = (
    ("Dominion Federal Bank", "deposit", (2_000_000, 9_000_000)),
    ("Province of Ontario Bond 2031", "bond", (1_000_000, 6_000_000)),
    ("Canada Housing Trust No. 1 Bond", "bond", (500_000, 3_000_000)),
    ("Laurentide Savings Bank", "deposit", (500_000, 2_500_000)),
)
NO_PLACE = (("Global Index Equity Fund", "fund", (1_000_000, 5_000_000)),)
COMMUNITY = (
    ("Lakeport Community Loan Fund", "loan", "CDFI", (100_000, 600_000)),
    ("Jane-Finch Community Solar Bond", "bond", "Community bond", (50_000, 300_000)),
    ("Rexdale Affordable Homes Fund", "fund", "Affordable housing", (250_000, 1_500_000)),
    (
        "Eastside Community Development Finance",
        "loan",
        "CDFI; Affordable housing",
        (100_000, 800_000),
    ),
)
FLAG_COLUMNS = ("cdfi", "community bond", "co-op", "affordable housing", "social enterprise")


def _priority_places(places: list[Place]) -> tuple[list[Place], list[Place]]:
    """Toronto postal codes inside and outside the Neighbourhood Improvement Areas."""
    region = Region.load("toronto")
    hits = region.locate_points([p.latitude for p in places], [p.longitude for p in places])
    flags = region.priority_at(hits, [True] * len(places))
    inside = [p for p, f in zip(places, flags, strict=True) if f == 1]
    outside = [p for p, f in zip(places, flags, strict=True) if f == 0]
    return inside, outside


def _suppliers(root: Path) -> list[dict[str, str]]:
    """True suppliers a registry certifies as a co-op or social enterprise, in Toronto."""
    with (root / "truth" / "registry_tags.csv").open(encoding="utf-8", newline="") as handle:
        tagged = {
            r["supplier_id"]: r["tag"]
            for r in csv.DictReader(handle)
            if r["tag"] in ("co_op", "social_enterprise")
        }
    with (root / "truth" / "suppliers.csv").open(encoding="utf-8", newline="") as handle:
        return [
            {**s, "tag": tagged[s["supplier_id"]]}
            for s in csv.DictReader(handle)
            if s["supplier_id"] in tagged and s["postcode"].startswith("M")
        ]


def _day(rng: random.Random, first: int, last: int) -> dt.date:
    return dt.date(first, 1, 1) + dt.timedelta(days=rng.randrange((last - first + 1) * 365))


def _holding(
    rng: random.Random,
    investee: str,
    kind: str,
    span: tuple[int, int],
    postcode: str,
    flags: str,
    *,
    supplier_id: str = "",
    priority: bool = False,
    tag: str = "",
) -> dict[str, object]:
    start = _day(rng, 2018, 2024)
    ended = rng.random() < 0.15
    end = start + dt.timedelta(days=rng.randrange(200, 900)) if ended else None
    return {
        "investee": investee,
        "type": kind,
        "amount": round(rng.uniform(*span), -3),
        "start": start,
        "end": end,
        "postcode": postcode,
        "flags": flags,
        "supplier_id": supplier_id,
        "local": postcode.startswith("M"),
        "priority": priority,
        "tag": tag,
    }


def write_demo_investment(root: Path, seed: int, anchors: list[tuple[str, str]]) -> list[LeverFile]:
    """Write ``root/investment/<anchor>/`` registers for (name, kind) anchors, and the truth."""
    places = load_places()
    inside, outside = _priority_places(list(places["toronto"]))
    far = [p for p in places["ontario"] if not p.postal_code.startswith("M")]
    suppliers = _suppliers(root)
    truth: list[dict[str, object]] = []
    written = []
    for index, (name, _kind) in enumerate(anchors):
        rng = random.Random(f"anchorkit-demo:{seed}:investment:{name}")
        rows: list[dict[str, object]] = []

        for investee, kind, span in rng.sample(ELSEWHERE, 2 + rng.randrange(2)):
            rows.append(_holding(rng, investee, kind, span, rng.choice(far).postal_code, ""))
        for investee, kind, span in NO_PLACE:
            rows.append(_holding(rng, investee, kind, span, "", ""))
        for investee, kind, flags, span in rng.sample(COMMUNITY, 1 + rng.randrange(3)):
            where = rng.choice(inside)
            rows.append(
                _holding(rng, investee, kind, span, where.postal_code, flags, priority=True)
            )
        for s in rng.sample(suppliers, min(len(suppliers), 1 + rng.randrange(2))):
            rows.append(
                _holding(
                    rng,
                    s["canonical_name"],
                    rng.choice(("deposit", "loan")),
                    (50_000, 400_000),
                    s["postcode"],
                    "",
                    supplier_id=s["supplier_id"],
                    tag=s["tag"],
                )
            )
        if rng.random() < 0.5:  # a downtown deposit: local, no impact
            rows.append(
                _holding(
                    rng,
                    "Bay Street Trust Company",
                    "deposit",
                    (500_000, 2_000_000),
                    rng.choice(outside).postal_code,
                    "",
                )
            )
        folder = root / "investment" / slugify(name)
        folder.mkdir(parents=True, exist_ok=True)
        if index % 2:
            path = folder / "Treasury holdings register.xlsx"
            _write_xlsx(path, name, rows)
        else:
            path = folder / "investment_register.csv"
            _write_csv(path, rows)
        written.append(LeverFile(name, path))
        truth += [
            {"anchor": name, **{k: ("" if v is None else v) for k, v in r.items()}} for r in rows
        ]
    with (root / "truth" / "investment.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(truth[0]))
        writer.writeheader()
        writer.writerows(truth)
    return written


def _write_csv(path: Path, rows: list[dict[str, object]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "Investee",
                "Instrument",
                "Amount",
                "Start date",
                "Maturity date",
                "Investee postal code",
                "Impact flags",
            ]
        )
        for r in rows:
            end = r["end"]
            writer.writerow(
                [
                    r["investee"],
                    str(r["type"]).title(),
                    f"{r['amount']:,.2f}",
                    r["start"],
                    end or "",
                    r["postcode"],
                    r["flags"],
                ]
            )


def _write_xlsx(path: Path, name: str, rows: list[dict[str, object]]) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Holdings")
    dates = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, [f"{name} — treasury holdings"])
    header = [
        "Counterparty",
        "Asset class",
        "Market value",
        "Date invested",
        "Redeemed",
        "Postal code",
        *(c.title() for c in FLAG_COLUMNS),
    ]
    sheet.write_row(1, 0, header)
    for i, r in enumerate(rows, start=2):
        flags = str(r["flags"]).lower()
        sheet.write_row(i, 0, [r["investee"], str(r["type"]).title(), r["amount"]])
        sheet.write_datetime(i, 3, dt.datetime.combine(r["start"], dt.time()), dates)  # type: ignore[arg-type]
        if r["end"]:
            sheet.write_datetime(i, 4, dt.datetime.combine(r["end"], dt.time()), dates)  # type: ignore[arg-type]
        sheet.write(i, 5, r["postcode"])
        for j, column in enumerate(FLAG_COLUMNS):
            key = {"cdfi": "cdfi"}.get(column, column)
            sheet.write(i, 6 + j, "Yes" if key in flags else "")
    book.close()
