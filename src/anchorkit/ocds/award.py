"""One OCDS award, read from its release: what anchorkit needs of it, and why it cannot be spend.

Every fact is looked for where publishers put it (the award, its suppliers' entries in the
release's ``parties``, the tender, a signed contract), and every problem is noted as a reason in
words a person can act on, rather than raised: one bad award never stops the others.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

Json = dict[str, Any]

#: award statuses that are not spend: an award that never happened
NOT_SPEND = ("cancelled", "unsuccessful")

_UK_POSTCODE_AT_END = re.compile(
    r"(?:^|[\s,;])([A-Z]{1,2}[0-9][A-Z0-9]?\s*[0-9][A-Z]{2})[\s,.;]*$", re.IGNORECASE
)


@dataclass
class Supplier:
    """One supplier of an award, with what the release's parties say about it."""

    index: int
    party_id: str | None
    name: str | None
    scheme: str | None = None
    identifier: str | None = None
    legal_name: str | None = None
    postcode: str | None = None
    address: Json | None = None
    scale: str | None = None
    vcse: bool | None = None

    @property
    def ref(self) -> str | None:
        """The organisation identifier as one string, e.g. ``GB-COH-01234567``."""
        if not self.identifier:
            return None
        if not self.scheme or self.identifier.startswith(f"{self.scheme}-"):
            return self.identifier
        return f"{self.scheme}-{self.identifier}"


@dataclass
class Award:
    """One award as found in the file; ``reasons`` empty means it becomes spend lines."""

    ordinal: int  # its place among the file's awards (1-based), or the JSON-lines line number
    pointer: str
    ocid: str | None
    release_id: str | None
    release_date: str | None
    award_id: str | None
    status: str | None
    date: str | None
    paid_on: dt.date | None
    value: Decimal | None
    currency: str | None
    title: str | None
    description: str | None
    classification: Json | None
    buyer_id: str | None
    buyer_name: str | None
    suppliers: list[Supplier]
    raw: Json
    reasons: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple[str | None, str] | None:
        return (self.ocid, self.award_id) if self.award_id else None

    @property
    def raw_category(self) -> str | None:
        c = self.classification
        if not c or not c.get("id"):
            return None
        text = f"{c.get('scheme') or 'classification'} {c['id']}"
        return f"{text}: {c['description']}" if c.get("description") else text


def _obj(value: Any) -> Json:
    """An object of the file, or an empty one where the file has something else."""
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text or None


def _date(value: Any) -> dt.date | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.datetime.fromisoformat(value.strip()).date()
    except ValueError:
        try:
            return dt.date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None


def _amount(value: Any) -> tuple[Decimal | None, str | None]:
    if value is None:
        return None, "award value has no amount"
    if isinstance(value, bool):
        return None, f"award value amount {value!r} is not a number"
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        return None, f"award value amount {value!r} is not a number"
    if not amount.is_finite() or abs(amount) >= Decimal("1e16"):
        return None, f"award value amount {value!r} is not a usable number"
    return amount.quantize(Decimal("0.01")), None


def postcode_of(address: Any) -> str | None:
    """``postalCode``; failing that, a UK postcode ending the street address (Contracts Finder
    leaves postalCode empty and writes the postcode at the end of the address)."""
    if not isinstance(address, dict):
        return None
    if _text(address.get("postalCode")):
        return str(_text(address["postalCode"])).upper()
    street = _text(address.get("streetAddress"))
    match = _UK_POSTCODE_AT_END.search(street) if street else None
    if not match:
        return None
    compact = re.sub(r"\s+", "", match[1]).upper()
    return f"{compact[:-3]} {compact[-3:]}"


def _supplier(index: int, ref: Any, parties: dict[str, Json]) -> Supplier:
    ref = ref if isinstance(ref, dict) else {}
    party_id = _text(ref.get("id"))
    party = parties.get(party_id or "", {})
    identifier = _obj(party.get("identifier"))
    details = _obj(party.get("details"))
    address = _obj(party.get("address")) or None
    vcse = details.get("vcse")
    return Supplier(
        index=index,
        party_id=party_id,
        name=_text(ref.get("name"))
        or _text(party.get("name"))
        or _text(identifier.get("legalName")),
        scheme=_text(identifier.get("scheme")),
        identifier=_text(identifier.get("id")),
        legal_name=_text(identifier.get("legalName")),
        postcode=postcode_of(address),
        address=address,
        scale=_text(details.get("scale")),
        vcse=vcse if isinstance(vcse, bool) else None,
    )


def _classification(release: Json, raw: Json) -> Json | None:
    """The award's own item classification, else the tender's (Contracts Finder puts CPV on the
    tender), else the tender's first item's."""
    tender = _obj(release.get("tender"))
    candidates = [
        *(i.get("classification") for i in raw.get("items") or [] if isinstance(i, dict)),
        tender.get("classification"),
        *(i.get("classification") for i in tender.get("items") or [] if isinstance(i, dict)),
    ]
    return next((c for c in candidates if isinstance(c, dict) and c.get("id")), None)


def _contract_dates(release: Json, award_id: str | None) -> list[str]:
    return [
        c["dateSigned"]
        for c in release.get("contracts") or []
        if isinstance(c, dict) and c.get("awardID") == award_id and c.get("dateSigned")
    ]


def award_of(ordinal: int, pointer: str, release: Json, raw: Any, currency: str) -> Award:
    raw = raw if isinstance(raw, dict) else {}
    parties = {
        str(p["id"]): p
        for p in release.get("parties") or []
        if isinstance(p, dict) and p.get("id") is not None
    }
    tender = _obj(release.get("tender"))
    buyer = _obj(release.get("buyer"))
    award_id = _text(raw.get("id"))
    reasons: list[str] = []
    value = _obj(raw.get("value")) or None
    amount, problem = _amount(value.get("amount")) if value else (None, "award has no value")
    if problem:
        reasons.append(problem)
    date = _text(raw.get("date")) or next(iter(_contract_dates(release, award_id)), None)
    paid_on = _date(date)
    if date is None:
        reasons.append("award has no date (nor a signed contract)")
    elif paid_on is None:
        reasons.append(f"award date {date!r} is not a date")
    status = _text(raw.get("status"))
    if status in NOT_SPEND:
        reasons.append(f"award status is {status!r}: not spend")
    refs = raw.get("suppliers") if isinstance(raw.get("suppliers"), list) else []
    suppliers = [_supplier(i, ref, parties) for i, ref in enumerate(refs)]
    if not suppliers:
        reasons.append("award has no supplier")
    reasons.extend(f"supplier {s.index + 1} has no name" for s in suppliers if s.name is None)
    ocid = _text(release.get("ocid"))
    if ocid is None:
        reasons.append("release has no ocid")
    return Award(
        ordinal=ordinal,
        pointer=pointer,
        ocid=ocid,
        release_id=_text(release.get("id")),
        release_date=_text(release.get("date")),
        award_id=award_id,
        status=status,
        date=date,
        paid_on=paid_on,
        value=amount,
        currency=_text(value.get("currency")) if value and value.get("currency") else currency,
        title=_text(raw.get("title")) or _text(tender.get("title")),
        description=_text(raw.get("description")) or _text(tender.get("description")),
        classification=_classification(release, raw),
        buyer_id=_text(buyer.get("id")),
        buyer_name=_text(buyer.get("name"))
        or _text(parties.get(str(buyer.get("id")), {}).get("name")),
        suppliers=suppliers,
        raw=raw,
        reasons=reasons,
    )
