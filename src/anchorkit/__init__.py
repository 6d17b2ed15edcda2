"""anchorkit: the data platform for anchor collaboratives.

The public API is what ``__all__`` lists; everything else is private and may change.

    >>> from anchorkit import Workspace, ingest_files, compute_indicators
    >>> ws = Workspace.init("my-network", settings={"local.postcode_prefixes": ["M"]})
    >>> ws.add_anchor("Lakeshore General Hospital", "hospital")
    >>> ingest_files(ws, ["payments.xlsx"], "Lakeshore General Hospital")
    >>> compute_indicators(ws, by="anchor").to_json()

Each name is imported when first used (PEP 562): ``import anchorkit.cli`` — every command — then
does not pay for the ingest readers, the places and the analytics it does not run.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from anchorkit.analytics import Indicators, compute_indicators
    from anchorkit.errors import (
        AnchorError,
        AnchorkitError,
        EngineError,
        IngestError,
        MappingError,
        NoDataError,
        SettingsError,
        UnreadableFileError,
        WorkspaceError,
    )
    from anchorkit.ingest import (
        FileResult,
        UserMapping,
        ingest_files,
        list_rejects,
        load_mapping_file,
    )
    from anchorkit.settings import SETTINGS, Settings
    from anchorkit.workspace import Anchor, Workspace

__version__ = "0.1.0"

#: each public name → the module it lives in
_WHERE = {
    "Indicators": "anchorkit.analytics",
    "compute_indicators": "anchorkit.analytics",
    **dict.fromkeys(
        (
            "AnchorError",
            "AnchorkitError",
            "EngineError",
            "IngestError",
            "MappingError",
            "NoDataError",
            "SettingsError",
            "UnreadableFileError",
            "WorkspaceError",
        ),
        "anchorkit.errors",
    ),
    **dict.fromkeys(
        ("FileResult", "UserMapping", "ingest_files", "list_rejects", "load_mapping_file"),
        "anchorkit.ingest",
    ),
    "SETTINGS": "anchorkit.settings",
    "Settings": "anchorkit.settings",
    "Anchor": "anchorkit.workspace",
    "Workspace": "anchorkit.workspace",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        value = getattr(import_module(_WHERE[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'anchorkit' has no attribute {name!r}")


__all__ = [
    "SETTINGS",
    "Anchor",
    "AnchorError",
    "AnchorkitError",
    "EngineError",
    "FileResult",
    "Indicators",
    "IngestError",
    "MappingError",
    "NoDataError",
    "SettingsError",
    "Settings",
    "UnreadableFileError",
    "UserMapping",
    "Workspace",
    "WorkspaceError",
    "__version__",
    "compute_indicators",
    "ingest_files",
    "list_rejects",
    "load_mapping_file",
]
