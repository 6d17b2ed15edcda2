"""Read an OCDS file into awards: one :class:`Award` per award found, loadable or not.

OCDS comes in four shapes — a release package, a record package, one release, and JSON lines
of releases — and all of them reduce to "releases, each at a JSON pointer". Every award of every
release becomes one :class:`Award`, with its place in the file (``pointer``, e.g.
``/releases/12/awards/0``) and, when it cannot become spend, every reason why. Nothing is
dropped: the ledger's promise is that each award is loaded or rejected with its reasons.

A release package often holds several releases of one contracting process (the award notice,
then an award update); the same award then appears more than once. Only its latest version is
spend; the earlier ones are rejected as superseded, naming the one that won, so the award is
counted once. A record's ``compiledRelease`` is already the latest state and is used as is.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from anchorkit.errors import NoDataError, UnreadableFileError

Json = dict[str, Any]

#: award statuses that are not spend: an award that never happened
NOT_SPEND = ("cancelled", "unsuccessful")

_UK_POSTCODE_AT_END = re.compile(
    r"(?:^|[\s,;])([A-Z]{1,2}[0-9][A-Z0-9]?\s*[0-9][A-Z]{2})[\s,.;]*$", re.IGNORECASE
)


def looks_like_json(path: Path) -> bool:
    """Whether a file is JSON (so OCDS), from its first visible character: no spend CSV or
    workbook starts with ``{``."""
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
    except OSError:
        return False
    return head.removeprefix(b"\xef\xbb\xbf").lstrip().startswith(b"{")


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


@dataclass
class OcdsFile:
    """What a file held: its shape, its awards, and how many releases had none."""

    format: str
    releases: int = 0
    releases_without_awards: int = 0
    awards: list[Award] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def read_ocds(path: Path, default_currency: str) -> OcdsFile:
    """Every award of the file, its reasons filled in; raise when the file is not usable OCDS."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise UnreadableFileError(f"{path.name}: cannot open the file ({exc.strerror}).") from exc
    except UnicodeDecodeError as exc:
        raise UnreadableFileError(
            f"{path.name}: an OCDS file must be UTF-8 text, but byte {exc.start} is not. "
            "Ask the publisher for a UTF-8 copy."
        ) from exc
    try:
        found = _read_document(json.loads(text, parse_float=Decimal), path.name)
        lines = False
    except json.JSONDecodeError as exc:
        if exc.msg != "Extra data":
            raise UnreadableFileError(
                f"{path.name}: not valid JSON (line {exc.lineno}, column {exc.colno}: "
                f"{exc.msg}). Check the file was copied whole."
            ) from exc
        found, lines = _read_lines(text, path.name), True
    out = OcdsFile(format=found[0])
    for number, (pointer, release) in enumerate(found[1], start=1):
        out.releases += 1
        awards = release.get("awards") if isinstance(release, dict) else None
        if not isinstance(awards, list) or not awards:
            out.releases_without_awards += 1
            continue
        for i, raw in enumerate(awards):
            ordinal = number if lines else len(out.awards) + 1
            out.awards.append(
                _award(ordinal, f"{pointer}/awards/{i}", release, raw, default_currency)
            )
    if out.releases == 0:
        linked = " (its records only link to releases: ask for compiled records)"
        raise NoDataError(
            f"{path.name}: this OCDS {out.format.removeprefix('ocds-').replace('-', ' ')} holds "
            f"no releases{linked if out.format == 'ocds-record-package' else ''}."
        )
    _mark_superseded(out.awards)
    return out


def _read_document(doc: Any, name: str) -> tuple[str, Iterator[tuple[str, Any]]]:
    if not isinstance(doc, dict):
        raise UnreadableFileError(f"{name}: JSON, but not OCDS (it is not an object).")
    if isinstance(doc.get("releases"), list):
        return "ocds-release-package", (
            (f"/releases/{i}", r) for i, r in enumerate(doc["releases"])
        )
    if isinstance(doc.get("records"), list):
        return "ocds-record-package", _record_releases(doc["records"])
    if "ocid" in doc:
        return "ocds-release", iter([("", doc)])
    raise UnreadableFileError(
        f'{name}: JSON, but not OCDS: anchorkit reads a release package ("releases"), a record '
        'package ("records"), a single release ("ocid") or JSON lines of releases.'
    )


def _record_releases(records: list[Any]) -> Iterator[tuple[str, Any]]:
    """A record's compiled release when it has one (its latest state), else its releases."""
    for i, record in enumerate(records):
        if not isinstance(record, dict):
            continue
        if isinstance(record.get("compiledRelease"), dict):
            yield f"/records/{i}/compiledRelease", record["compiledRelease"]
            continue
        for j, release in enumerate(record.get("releases") or []):
            if isinstance(release, dict) and "ocid" in release:  # embedded, not a link
                yield f"/records/{i}/releases/{j}", release


def _read_lines(text: str, name: str) -> tuple[str, Iterator[tuple[str, Any]]]:
    """JSON lines: one release per line; pointers are within the line (the ordinal is the
    line number)."""
    releases: list[tuple[str, Any]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            doc = json.loads(line, parse_float=Decimal)
        except json.JSONDecodeError as exc:
            raise UnreadableFileError(
                f"{name}: line {number} is not valid JSON ({exc.msg}, column {exc.colno})."
            ) from exc
        _, inner = _read_document(doc, f"{name} line {number}")
        releases.extend((f"{pointer}", r) for pointer, r in inner)
    return "ocds-json-lines", iter(releases)


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


def _award(ordinal: int, pointer: str, release: Json, raw: Any, currency: str) -> Award:
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


def _moment(award: Award) -> tuple[dt.datetime, int]:
    """When an award's release was published, to order versions of one award."""
    stamp = dt.datetime.min.replace(tzinfo=dt.UTC)
    if award.release_date:
        try:
            parsed = dt.datetime.fromisoformat(award.release_date)
            stamp = parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
        except ValueError:
            pass
    return stamp, award.ordinal


def _mark_superseded(awards: list[Award]) -> None:
    """Of the versions of one award (same ocid and award id), only the latest is spend."""
    latest: dict[tuple[str | None, str], Award] = {}
    for award in awards:
        key = award.key
        if key is not None and (key not in latest or _moment(award) >= _moment(latest[key])):
            latest[key] = award
    for award in awards:
        key = award.key
        if key is not None and latest[key] is not award:
            award.reasons.append(
                f"superseded by a later release of the same award at {latest[key].pointer}"
            )
