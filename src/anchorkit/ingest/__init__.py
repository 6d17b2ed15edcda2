"""Ingest spend files into the store: see :func:`ingest_files`."""

from anchorkit.ingest.load import ingest_file, ingest_files
from anchorkit.ingest.mapping import UserMapping, load_mapping_file
from anchorkit.ingest.rejects import list_rejects
from anchorkit.source_files import FileResult

__all__ = [
    "FileResult",
    "UserMapping",
    "ingest_file",
    "ingest_files",
    "list_rejects",
    "load_mapping_file",
]
