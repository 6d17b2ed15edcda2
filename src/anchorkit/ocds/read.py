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
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from anchorkit.errors import NoDataError, UnreadableFileError
from anchorkit.ocds.award import Award, award_of


def looks_like_json(path: Path) -> bool:
    """Whether a file is JSON (so OCDS), from its first visible character: no spend CSV or
    workbook starts with ``{``."""
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
    except OSError:
        return False
    return starts_like_json(head)


def starts_like_json(head: bytes) -> bool:
    """Whether a file's first bytes open a JSON object (after a UTF-8 BOM and white space)."""
    return head.removeprefix(b"\xef\xbb\xbf").lstrip().startswith(b"{")


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
                award_of(ordinal, f"{pointer}/awards/{i}", release, raw, default_currency)
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
