"""The dashboard's write paths — upload, confirm, publish — shared by pages and the API.

Each holds the store's one writer for its duration and writes an audit event.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from anchorkit.errors import AnchorkitError, MappingError
from anchorkit.ingest import Source, list_sources, remove_source
from anchorkit.ingest.mapping import UserMapping
from anchorkit.records.accounts import Actor
from anchorkit.records.appdb import Publication, Upload
from anchorkit.records.audit import record
from anchorkit.records.uploads import (
    UPLOAD_DIR,
    UploadRefused,
    load,
    mapping_from_form,
    preview,
    receive,
    rejected_rows_of,
)
from anchorkit.source_files import FileResult
from anchorkit.views import indicators, levers, paging
from anchorkit.views.store import Store

PUBLISHER = Actor(email="(publication)", role="public")


def start_upload(
    st: Any, actor: Actor, anchor_name: str, source: BinaryIO, filename: str | None, client: str
) -> int:
    """Receive the file, preview its ingest, keep the report; returns the upload's number."""
    max_mb = int(st.store.settings["web.max_upload_mb"])
    with st.db() as s, s.begin():
        upload = Upload(
            user_email=actor.email,
            anchor_name=anchor_name,
            original_name=str(filename or "")[:400],
            stored_path="",
            size_bytes=0,
            status="receiving",
        )
        s.add(upload)
        s.flush()
        upload_id = upload.upload_id
    folder = st.store.workspace.root / UPLOAD_DIR
    try:
        path, size = receive(source, filename, folder, upload_id, max_mb)
    except UploadRefused as exc:
        with st.db() as s, s.begin():
            s.delete(s.get(Upload, upload_id))
        record(st.db, actor, "upload_refused", filename, {"reason": str(exc)}, client)
        raise
    report, status = _preview(st, path, anchor_name, None)
    with st.db() as s, s.begin():
        row = s.get(Upload, upload_id)
        row.stored_path, row.size_bytes, row.status = str(path), size, status
        row.report = without_paths(report, path, st.store.workspace.root)
    record(
        st.db,
        actor,
        "upload",
        f"{anchor_name}: {filename}",
        {"upload_id": upload_id, "status": status, "bytes": size},
        client,
    )
    return upload_id


def _preview(
    st: Any, path: Path, anchor_name: str, mapping: UserMapping | None
) -> tuple[dict[str, Any], str]:
    """The preview's report and the upload's status: previewed, needs_mapping or failed."""
    try:
        with st.store.writer() as ws:
            report = preview(ws, path, anchor_name, mapping).to_json()
        if mapping is not None:
            report["mapping"] = mapping.to_json()
        return report, "previewed"
    except MappingError as exc:
        if not exc.headers:
            return {"error": str(exc)}, "failed"
        # not every column was recognised: offer the file's headers to map by hand
        columns = [{"headers": exc.headers, "positions": exc.recognised or {}}]
        result = FileResult(file=path.name, columns=columns).to_json()
        return {"error": str(exc), "result": result}, "needs_mapping"
    except AnchorkitError as exc:
        return {"error": str(exc)}, "failed"


def confirm_upload(
    st: Any, actor: Actor, upload: Upload, form: dict[str, Any], client: str
) -> None:
    """Load a previewed file with the mapping the user saw; a mapping they changed (or made by
    hand for ``needs_mapping``) is previewed again first, so what loads is always what they saw.
    """
    if upload.status not in ("previewed", "needs_mapping"):
        raise UploadRefused(
            f"Upload {upload.upload_id} is {upload.status}; nothing to confirm.", 409
        )
    result = FileResult(**upload.report["result"])
    mapping = (
        mapping_from_form(result, {k: str(v) for k, v in form.items()}) if result.columns else None
    )
    path = Path(upload.stored_path)
    if upload.status == "needs_mapping" or _changed(upload.report, form):
        report, status = _preview(st, path, upload.anchor_name, mapping)
        action = "upload_mapped"
    else:
        action = "upload_confirmed"
        try:
            with st.store.writer() as ws:
                loaded = load(ws, path, upload.anchor_name, mapping, actor.email)
                rejected = rejected_rows_of(ws, loaded.file_id)
            report = {**upload.report, "loaded": loaded.to_json(), "rejected": rejected}
            status = "loaded"
        except AnchorkitError as exc:
            report, status = {**upload.report, "error": str(exc)}, "failed"
    with st.db() as s, s.begin():
        row = s.get(Upload, upload.upload_id)
        row.status, row.report = status, without_paths(report, path, st.store.workspace.root)
    record(
        st.db,
        actor,
        action,
        f"{upload.anchor_name}: {upload.original_name}",
        {
            "upload_id": upload.upload_id,
            "status": status,
            "mapping": mapping.to_json() if mapping else None,
        },
        client,
    )


def without_paths(report: Any, path: Path, root: Path) -> Any:
    """The report with no server path in it: the stored file is named by its own name, the
    workspace as "(workspace)" — a report is shown to the uploader and served by the API."""
    if isinstance(report, dict):
        return {k: without_paths(v, path, root) for k, v in report.items()}
    if isinstance(report, list):
        return [without_paths(v, path, root) for v in report]
    if isinstance(report, str):
        for full, shown in (
            (str(path.resolve()), path.name),
            (str(path), path.name),
            (str(root.resolve()), "(workspace)"),
            (str(root), "(workspace)"),
        ):
            if full and full != ".":
                report = report.replace(full, shown)
    return report


def abandon_unfinished(db: sessionmaker[Session]) -> int:
    """Uploads a stopped server left half-received: failed, with a word on what to do (else
    they would say "receiving" for ever)."""
    with db() as s, s.begin():
        rows = list(s.scalars(select(Upload).where(Upload.status == "receiving")))
        for row in rows:
            row.status = "failed"
            row.report = {
                "error": "The dashboard stopped while this file was being received or checked. "
                "Upload it again."
            }
    return len(rows)


def reread_upload(st: Any, actor: Actor, upload: Upload, form: dict[str, Any], client: str) -> None:
    """Read a loaded upload's file again with the columns of the form (the dashboard's
    ``ingest --replace --map``): its lines and rejected rows are replaced in one transaction."""
    if upload.status != "loaded" or not (upload.report or {}).get("loaded"):
        raise UploadRefused(
            f"Upload {upload.upload_id} is {upload.status}: only a loaded file can be re-read.", 409
        )
    loaded = FileResult(**upload.report["loaded"])
    mapping = mapping_from_form(loaded, {k: str(v) for k, v in form.items()})
    try:
        with st.store.writer() as ws:
            again = load(
                ws, Path(upload.stored_path), upload.anchor_name, mapping, actor.email, replace=True
            )
            rejected = rejected_rows_of(ws, again.file_id)
        report = {**upload.report, "loaded": again.to_json(), "rejected": rejected}
        report.pop("error", None)
    except AnchorkitError as exc:
        report = {**upload.report, "error": str(exc)}
    with st.db() as s, s.begin():
        row = s.get(Upload, upload.upload_id)
        row.report = without_paths(report, Path(upload.stored_path), st.store.workspace.root)
    record(
        st.db,
        actor,
        "file_reread",
        f"{upload.anchor_name}: {upload.original_name}",
        {"upload_id": upload.upload_id, "mapping": mapping.to_json(), "error": report.get("error")},
        client,
    )


def remove_file(st: Any, actor: Actor, file_id: str, client: str) -> Source:
    """Remove a loaded file and all it gave (``anchorkit source remove``); its uploads say so."""
    with st.store.writer() as ws:
        removed = remove_source(ws, file_id)
    with st.db() as s, s.begin():
        for row in s.scalars(select(Upload).where(Upload.status == "loaded")):
            if ((row.report or {}).get("loaded") or {}).get("file_id") == removed.file_id:
                row.status = "removed"
    record(
        st.db,
        actor,
        "file_removed",
        f"{removed.anchor}: {removed.name}",
        {
            "file_id": removed.file_id,
            "lines": removed.rows_loaded,
            "rejected": removed.rows_rejected,
        },
        client,
    )
    return removed


def loaded_files(st: Any) -> list[dict[str, Any]]:
    """Every loaded file, with the upload that brought it (when it came through the dashboard),
    for the admins' list on the upload page."""
    sources = list_sources(st.store.reader())
    with st.db() as s:
        uploads = {
            ((row.report or {}).get("loaded") or {}).get("file_id"): row.upload_id
            for row in s.scalars(select(Upload).where(Upload.status == "loaded"))
        }
    return [{**src.to_json(), "upload_id": uploads.get(src.file_id)} for src in sources]


def _changed(report: dict[str, Any], form: dict[str, Any]) -> bool:
    """Whether the form's columns differ from the preview's: from the columns it read, and from
    the mapping it was made with (which the ingest completed with what it recognised)."""
    previewed = FileResult(**report["result"])
    if not previewed.columns:
        return False
    chosen = {
        key.removeprefix("map_"): str(value).strip()
        for key, value in form.items()
        if key.startswith("map_") and str(value).strip()
    }
    shown = [
        previewed.columns[0].get("columns") or {},
        (report.get("mapping") or {}).get("columns"),
    ]
    return all(chosen != {k: str(v) for k, v in (s or {}).items()} for s in shown)


def publish(store: Store, db: sessionmaker[Session], actor: Actor, client: str) -> int:
    """Freeze today's network indicators, with every small cell suppressed, for the public page.

    A plain function of the store and the app records, so the dashboard and ``anchorkit publish``
    publish the same way."""
    data = indicators.overview(store, PUBLISHER)
    snapshot = paging.jsonable(
        {
            "network": data["network"],
            "by": data["by"],
            "targets": data["targets"],
            "target_rows": data["target_rows"],
            # the other two levers, as the public may see them (small counts suppressed)
            **levers.published(store),
        }
    )
    with db() as s, s.begin():
        publication = Publication(by=actor.email, indicators=snapshot)
        s.add(publication)
        s.flush()
        number = publication.publication_id
    record(db, actor, "publish", f"publication {number}", {}, client)
    return number


def latest_publication(db: Any) -> dict[str, Any] | None:
    with db() as s:
        found = s.scalars(
            select(Publication).order_by(Publication.publication_id.desc()).limit(1)
        ).first()
    if found is None:
        return None
    return {
        "publication_id": found.publication_id,
        "at": found.at,
        "by": found.by,
        "indicators": found.indicators,
    }
