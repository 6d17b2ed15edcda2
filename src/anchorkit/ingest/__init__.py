"""Ingest spend files into the store: see :func:`ingest_files`."""

from anchorkit.ingest.load import ingest_file, ingest_files, saved_layouts
from anchorkit.ingest.mapping import UserMapping, load_mapping_file, parse_map_options
from anchorkit.ingest.rejects import list_rejects
from anchorkit.ingest.sources import Source, find_source, list_sources, remove_source
from anchorkit.source_files import FileResult

__all__ = [
    "FileResult",
    "Source",
    "UserMapping",
    "find_source",
    "ingest_file",
    "ingest_files",
    "list_rejects",
    "list_sources",
    "load_mapping_file",
    "parse_map_options",
    "remove_source",
    "saved_layouts",
]
