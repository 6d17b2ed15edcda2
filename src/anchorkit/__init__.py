"""anchorkit: the data platform for anchor collaboratives.

The public API is what ``__all__`` lists; everything else is private and may change.

    >>> from anchorkit import Workspace, ingest_files, compute_indicators
    >>> ws = Workspace.init("my-network", settings={"local.postcode_prefixes": ["M"]})
    >>> ws.add_anchor("Lakeshore General Hospital", "hospital")
    >>> ingest_files(ws, ["payments.xlsx"], "Lakeshore General Hospital")
    >>> compute_indicators(ws, by="anchor").to_json()
"""

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
from anchorkit.ingest import FileResult, UserMapping, ingest_files, list_rejects, load_mapping_file
from anchorkit.settings import SETTINGS, Settings
from anchorkit.workspace import Anchor, Workspace

__version__ = "0.1.0"

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
