"""Spend lines: which supplier, which of the anchor's vendor records, when, how much, and what for.

Every anchor draws its lines from its own *pool* of the supplier universe (the top suppliers plus a random
share of the rest), weighted by the universe's Zipf weights and by how much that kind of anchor buys
from each sector (hospitals buy drugs, cities buy construction). Amounts are lognormal per supplier;
about 1 % are credits. Each unit (a file, a sheet) also gets a few bad rows that the ingest must reject.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass
from itertools import accumulate
from typing import TYPE_CHECKING

from anchorkit.demo.names import NameHabit, respell, spell
from anchorkit.demo.suppliers import Supplier

if TYPE_CHECKING:
    from anchorkit.demo.planted import Planter

CREDIT_RATE = 0.01
BAD_ROW_RATE = 0.002
BAD_KINDS = ("missing_supplier", "bad_amount", "bad_date")
_MIN_CENTS, _MAX_CENTS = 500, 250_000_000


@dataclass(frozen=True, slots=True)
class VendorRecord:
    """A supplier as one anchor's vendor master holds it: its number there and its spelling there."""

    number: int
    name: str


@dataclass(slots=True)
class Line:
    """One data row. ``bad`` is "" for a good row, else why the ingest must reject it."""

    supplier: Supplier
    record: VendorRecord
    paid_on: dt.date
    cents: int
    description: str
    category: str
    cost_centre: str
    ref: str = ""
    bad: str = ""


class AnchorBook:
    """One anchor's purchasing: its pool of suppliers with weights, and its vendor records."""

    def __init__(
        self,
        rng: random.Random,
        universe: list[Supplier],
        weights: list[float],
        affinity: dict[str, float],
        habit: NameHabit,
        planter: Planter | None = None,
    ) -> None:
        self.rng = rng
        self.planter = planter
        self.pool = [s for s in universe if s.rank < 40 or rng.random() < 0.6]
        jitter = [rng.lognormvariate(0.0, 0.5) for _ in self.pool]
        self.cum_weights = list(
            accumulate(
                weights[s.rank] * affinity.get(s.sector.name, 1.0) * j
                for s, j in zip(self.pool, jitter, strict=True)
            )
        )
        self.records: dict[str, list[VendorRecord]] = {}
        order = self.pool[:]
        rng.shuffle(order)  # vendor numbers follow the order suppliers were set up, not their rank
        number = rng.randint(1_000, 90_000)
        for s in order:
            number += rng.randint(1, 40)
            first = VendorRecord(number, spell(s.name, habit, rng))
            self.records[s.supplier_id] = [first]
            if rng.random() < habit.duplicate_rate:  # the same company set up twice
                number += rng.randint(1, 40)
                second = VendorRecord(number, respell(first.name, rng))
                self.records[s.supplier_id].append(second)
        if planter is not None:  # the planted suppliers, from the planter's own random stream
            for s in planter.extra:
                number += planter.rng.randint(1, 40)
                self.records[s.supplier_id] = [
                    VendorRecord(number, spell(s.name, habit, planter.rng))
                ]
        self._accented = [  # (never one the planter reroutes: the accented row is kept as is)
            s
            for s in self.pool
            if not self.records[s.supplier_id][0].name.isascii()
            and (planter is None or planter.reroute(s) is None)
        ]
        self._accented_ids = {s.supplier_id for s in self._accented}
        self._bad_kinds = rng.randrange(len(BAD_KINDS))  # cycles through an anchor's files

    def record_for(self, supplier: Supplier) -> VendorRecord:
        records = self.records[supplier.supplier_id]
        return records[1] if len(records) > 1 and self.rng.random() < 0.3 else records[0]

    def draw(
        self,
        n: int,
        start: dt.date,
        end: dt.date,
        cost_centres: tuple[str, ...],
        *,
        need_accents: bool = False,
    ) -> list[Line]:
        """``n`` lines paid between ``start`` and ``end`` (inclusive, weekdays), sorted by date.

        Guarantees that make small demos still test what they must: at least one bad row (the kinds
        taking turns, so every anchor with three files or more has each kind), at least one credit,
        at least three good rows dated after the 12th (so day-first vs month-first is decidable in
        every file) and, when asked, a good row from a supplier with an accented name (so a cp1252
        file really is cp1252).
        """
        rng = self.rng
        days = (start + dt.timedelta(d) for d in range((end - start).days + 1))
        weekdays = [d for d in days if d.weekday() < 5]
        suppliers = rng.choices(self.pool, cum_weights=self.cum_weights, k=n)
        keep = self._accented_row(suppliers) if need_accents else None
        lines = [self._line(s, rng.choice(weekdays), cost_centres) for s in suppliers]
        candidates = [i for i in range(n) if i != keep]
        for i in rng.sample(candidates, min(len(candidates), max(1, round(n * BAD_ROW_RATE)))):
            lines[i].bad = BAD_KINDS[self._bad_kinds % len(BAD_KINDS)]
            self._bad_kinds += 1
        good = [line for line in lines if not line.bad]
        if good and not any(line.cents < 0 for line in good):
            self._make_credit(rng.choice(good))
        late = [d for d in weekdays if d.day > 12]
        short = min(3, len(good)) - sum(1 for line in good if line.paid_on.day > 12)
        for line in (line for line in good if line.paid_on.day <= 12):
            if short <= 0:
                break
            line.paid_on = rng.choice(late)
            short -= 1
        if self.planter is not None:
            self._plant(lines, keep)
        lines.sort(key=lambda line: line.paid_on)
        return lines

    def _plant(self, lines: list[Line], keep: int | None) -> None:
        """Reroute this anchor's Toronto security suppliers and add one invoice per planted supplier
        (see :mod:`anchorkit.demo.planted`); the kept accented row is left alone."""
        planter = self.planter
        assert planter is not None
        for i, line in enumerate(lines):
            new = None if i == keep else planter.reroute(line.supplier)
            if new is not None:
                line.supplier, line.record = new, self.records[new.supplier_id][0]
        free = [
            i
            for i, line in enumerate(lines)
            if i != keep
            and not line.bad
            and line.cents > 0
            and not planter.is_planted(line.supplier)
        ]
        for supplier, i in zip(
            planter.extra,
            planter.rng.sample(free, min(len(free), len(planter.extra))),
            strict=False,
        ):
            line = lines[i]
            line.supplier, line.record = supplier, self.records[supplier.supplier_id][0]
            line.cents, line.description, line.category = planter.invoice(supplier)

    def _accented_row(self, suppliers: list[Supplier]) -> int | None:
        """The index of a supplier with an accented name, putting one first if none was drawn."""
        if not self._accented:
            return None
        for i, s in enumerate(suppliers):
            if s.supplier_id in self._accented_ids:
                return i
        suppliers[0] = self.rng.choice(self._accented)
        return 0

    def _line(self, supplier: Supplier, day: dt.date, cost_centres: tuple[str, ...]) -> Line:
        rng = self.rng
        cents = round(math.exp(rng.gauss(supplier.mu, supplier.sigma)) * 100)
        cents = min(max(cents, _MIN_CENTS), _MAX_CENTS)
        line = Line(
            supplier=supplier,
            record=self.record_for(supplier),
            paid_on=day,
            cents=cents,
            description=rng.choice(supplier.sector.descriptions),
            category=rng.choice(supplier.sector.categories),
            cost_centre=rng.choice(cost_centres),
        )
        if rng.random() < CREDIT_RATE:
            self._make_credit(line)
        return line

    def _make_credit(self, line: Line) -> None:
        """Turn a line into a credit note: negative, and smaller than the invoices it corrects."""
        line.cents = -max(_MIN_CENTS, round(abs(line.cents) * self.rng.uniform(0.05, 0.5)))
        line.description = f"Credit memo - {line.description}"


def apportion(total: int, weights: list[float]) -> list[int]:
    """Split ``total`` into whole parts proportional to ``weights`` (largest remainder, ties to the left)."""
    whole = sum(weights)
    exact = [total * w / whole for w in weights]
    parts = [math.floor(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts
