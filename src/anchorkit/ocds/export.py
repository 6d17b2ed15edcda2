"""``anchorkit export ocds``: the awards anchorkit knows as one OCDS 1.1 release package.

The package is checked against the official schema before it is written (a file that does not
validate is never left behind), and written whole or not at all (a temporary file renamed into
place). Money stays exact: amounts are DECIMAL in the store and are written as the JSON numbers
they are (``1234.50``), never through a float.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from anchorkit.errors import ExportError
from anchorkit.ocds.releases import imported_releases, spend_releases
from anchorkit.ocds.validate import validate_package
from anchorkit.workspace import Workspace

_NUMBER = "\x00decimal:"
_NUMBER_TEXT = re.compile(r'"\\u0000decimal:(-?[0-9]+(?:\.[0-9]+)?)"')


@dataclass
class ExportResult:
    """What was written: counts and totals a person can check against the indicators."""

    path: str
    releases: int = 0
    awards_from_ocds: int = 0
    awards_from_spend: int = 0
    totals: dict[str, str] = field(default_factory=dict)  # currency → exact total, as text

    def to_json(self) -> dict[str, Any]:
        return self.__dict__.copy()


def exact_json(data: Any) -> str:
    """JSON text in which every Decimal is written as the number it is, digit for digit.

    >>> exact_json({"amount": Decimal("0.10")})
    '{"amount": 0.10}'
    """

    def mark(value: Any) -> Any:
        if isinstance(value, Decimal):
            return f"{_NUMBER}{value:f}"
        if isinstance(value, dict):
            return {k: mark(v) for k, v in value.items()}
        if isinstance(value, list):
            return [mark(v) for v in value]
        return value

    return _NUMBER_TEXT.sub(r"\1", json.dumps(mark(data), ensure_ascii=False, indent=None))


def _package(
    ws: Workspace, out: Path, anchor: str | None, include_spend: bool, published: dt.datetime | None
) -> tuple[dict[str, Any], int]:
    """The release package as a dict (amounts as Decimal), and how many of its releases came
    from OCDS imports (they come first)."""
    anchor_id = ws.anchor(anchor).anchor_id if anchor else None
    releases = imported_releases(ws, anchor_id)
    imported = len(releases)
    if include_spend:
        releases += spend_releases(ws, anchor_id, str(ws.settings["ocds.ocid_prefix"]))
    if not releases:
        scope = f"for {anchor!r}" if anchor else "in this workspace"
        raise ExportError(
            f"There are no awards or spend lines {scope} to export. Ingest spend files or OCDS "
            "first (anchorkit ingest FILE --anchor NAME)."
        )
    moment = (published or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(microsecond=0)
    package = {
        "uri": str(ws.settings["ocds.package_uri"]) or out.resolve().as_uri(),
        "version": "1.1",
        "publishedDate": moment.isoformat().replace("+00:00", "Z"),
        "publisher": {"name": str(ws.settings["ocds.publisher_name"])},
        "releases": releases,
    }
    return package, imported


def export_ocds(
    ws: Workspace,
    out: Path,
    *,
    anchor: str | None = None,
    include_spend: bool = True,
    published: dt.datetime | None = None,
    validate: bool = True,
) -> ExportResult:
    """Write the release package to ``out``; raise ExportError (and write nothing) when there
    is nothing to export, the package breaks the schema, or the file cannot be written.

    ``anchor`` limits it to one anchor's awards; ``include_spend=False`` to awards imported
    from OCDS; ``published`` fixes the package's publishedDate (default: now).
    """
    package, imported = _package(ws, out, anchor, include_spend, published)
    text = exact_json(package)
    if validate:
        problems = validate_package(json.loads(text))
        if problems:
            raise ExportError(
                "The OCDS export does not meet the OCDS 1.1 schema, so it was not written: "
                + "; ".join(problems[:5])
                + ". Please report this."
            )
    _write_atomically(out, text)
    result = ExportResult(path=str(out), releases=len(package["releases"]))
    totals: dict[str, Decimal] = {}
    for number, release in enumerate(package["releases"]):
        for award in release["awards"]:
            if number < imported:
                result.awards_from_ocds += 1
            else:
                result.awards_from_spend += 1
            value = award["value"]
            totals[value["currency"]] = totals.get(value["currency"], Decimal(0)) + value["amount"]
    result.totals = {c: f"{v:f}" for c, v in sorted(totals.items())}
    return result


def _write_atomically(out: Path, text: str) -> None:
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text + "\n")
            umask = os.umask(0)  # a temporary file is private; the export is for publishing
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
            os.replace(tmp, out)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError as exc:
        raise ExportError(f"Cannot write {out}: {exc.strerror}. Choose another --out.") from exc
