"""Every error anchorkit raises, in one place.

Each message is written for the person running the command (often a finance or procurement officer,
not a programmer): it says what went wrong and what to do next. Library and engine errors (DuckDB,
calamine, the file system) are translated into these at the seam where they happen, so the CLI can
print one clear line instead of a traceback.

    AnchorkitError
    ├── WorkspaceError          the workspace folder or its settings
    │   └── SettingsError       a bad value in anchorkit.toml or the environment
    ├── AnchorError             unknown or duplicate anchor
    ├── SourceError             a loaded file named for removal or re-reading is not there
    ├── ExportError             an OCDS export cannot be made, validated or written
    ├── IngestError             a spend file as a whole cannot be ingested
    │   ├── UnreadableFileError     cannot be opened or decoded at all
    │   ├── NoDataError             opened, but holds no rows
    │   ├── MappingError            required columns cannot be found
    │   │   └── UncertainMappingError   found, but not surely enough to load without asking
    │   ├── WorkforceError          a workforce file cannot be imported or aggregated
    │   │   └── PersonLevelError    ... because it describes people one by one
    │   └── InvestmentError         an investment register cannot be imported
    ├── RegionError             a region pack or boundary file cannot be used
    │   └── CommunityStatsError     neighbourhood statistics cannot be imported
    ├── ResolveError            supplier resolution cannot run
    │   └── ReviewError         a review decision refers to nothing, or contradicts itself
    ├── TargetError             a target names an unknown indicator or an impossible value
    ├── FrameworkError          a framework pack cannot be read, or names no such framework
    ├── CommitmentError         a contract's commitments, a quarterly return or a Tier-2 return
    ├── AccountError            a dashboard account cannot be created or used
    ├── CategoryError           a category code, taxonomy or rules file cannot be used
    ├── SurveyError             a supplier survey file or LM3 rates file cannot be used
    ├── MultiplierError         a multiplier table or category → sector map cannot be used
    ├── PortalError             a supplier-portal claim, profile, certification or posting
    │   └── EvidenceRefused     a certification's evidence file is refused
    └── EngineError             the store itself failed (disk full, locked, corrupt)
        ├── SparkError          the Spark engine cannot start (not installed, no Java)
        ├── EngineMismatchError the engine's store is empty where the other engine's holds data
        └── EngineMoveError     a workspace cannot be moved to the other engine
"""

from __future__ import annotations


class AnchorkitError(Exception):
    """Base of every anchorkit error; catching it catches them all."""


class WorkspaceError(AnchorkitError):
    """The workspace folder is missing, not a workspace, or cannot be written."""


class SettingsError(WorkspaceError):
    """A setting has an unknown name or a value of the wrong kind."""


class AnchorError(AnchorkitError):
    """An anchor name that is unknown, or already taken."""


class IngestError(AnchorkitError):
    """A whole file could not be ingested; rows that are merely bad become rejected rows instead."""


class UnreadableFileError(IngestError):
    """The file cannot be opened, is not a spreadsheet or delimited text, or cannot be decoded."""


class NoDataError(IngestError):
    """The file opened fine but holds no data rows."""


class MappingError(IngestError):
    """The columns anchorkit needs (supplier, amount, date) cannot be found in the file."""

    #: the file's headers and what was recognised, when known: the dashboard offers them as a
    #: form to map the missing columns by hand
    headers: list[str] | None = None
    recognised: dict[str, int] | None = None
    #: up to three values of each column, in the order of ``headers``
    samples: list[list[str]] | None = None


class UncertainMappingError(MappingError):
    """The required columns were recognised, but one of them less surely than the setting
    ``ingest.min_confidence`` asks: the file waits for a person to confirm (``--map``)."""


class SourceError(AnchorkitError):
    """A loaded file named by its id (for listing, removal or re-reading) is not in the store,
    or the id prefix matches more than one file."""


class WorkforceError(IngestError):
    """A workforce file (counts of staff by home area) cannot be imported or aggregated."""


class PersonLevelError(WorkforceError):
    """A workforce file holds one row per person (names, e-mails, employee numbers, full
    postcodes one person each): anchorkit stores aggregates only, so the file is refused whole
    and the message says how to aggregate it first (``anchorkit workforce aggregate``)."""


class InvestmentError(IngestError):
    """An investment register (holdings by investee) cannot be imported."""


class ExportError(AnchorkitError):
    """An export cannot be made (nothing to export), does not meet its standard's schema, or
    cannot be written."""


class RegionError(AnchorkitError):
    """A region pack or boundary file cannot be used (the message says what to fix)."""


class CommunityStatsError(RegionError):
    """Neighbourhood statistics cannot be imported (no area column, no numbers, no region)."""


class ResolveError(AnchorkitError):
    """Supplier resolution cannot run (e.g. nothing to resolve, or a model file is unusable)."""


class ReviewError(ResolveError):
    """A review command names an item or supplier that does not exist, or makes no sense."""


class TargetError(AnchorkitError):
    """A target for an indicator anchorkit does not compute, or a value it cannot take."""


class FrameworkError(AnchorkitError):
    """A framework pack that cannot be read or used, or a framework name that is not loaded."""


class CommitmentError(AnchorkitError):
    """A contract commitment, a supplier's quarterly actual or a Tier-2 return that cannot be
    recorded (unknown contract, measure or anchor; a bad quantity, quarter or amount)."""


class AccountError(AnchorkitError):
    """A dashboard account: unknown role, an anchor user without an anchor, a duplicate email."""


class CategoryError(AnchorkitError):
    """A category code, taxonomy folder or rules file cannot be used (the message says what to fix)."""


class EngineError(AnchorkitError):
    """The data store failed underneath anchorkit (locked by another process, disk full, corrupt)."""


class SparkError(EngineError):
    """The Spark engine cannot start: pyspark is not installed, or Java is missing."""


class EngineMismatchError(EngineError):
    """A command runs on an engine whose store is empty while the workspace's data is in the
    other engine's store: it refuses rather than show zeros."""


class EngineMoveError(EngineError):
    """``anchorkit engine move`` cannot move the workspace (already there, a target store that
    holds data, or a figure that differs after the copy: then nothing is switched)."""


class SurveyError(AnchorkitError):
    """A supplier survey or LM3 rates file cannot be used (missing column, share over 100 %...)."""


class MultiplierError(AnchorkitError):
    """A multiplier table or category → sector map cannot be used (message: file, line)."""


class WhatIfError(AnchorkitError):
    """A what-if shift cannot be read or applied (unknown category or tag, a share over 100 %)."""


class ReportError(AnchorkitError):
    """A report cannot be made: no spend yet, a year without spend, an unknown format."""


class PortalError(AnchorkitError):
    """A supplier-portal request that cannot be done: a claim on a claimed record, a posting
    without a title, an unknown category, a notices file without the expected columns."""


class EvidenceRefused(PortalError):
    """A certification's evidence file is refused: too large, or not a PDF or an image."""


__all__ = [
    "AccountError",
    "AnchorError",
    "AnchorkitError",
    "CategoryError",
    "EngineError",
    "EngineMismatchError",
    "EngineMoveError",
    "EvidenceRefused",
    "ExportError",
    "IngestError",
    "MappingError",
    "MultiplierError",
    "NoDataError",
    "PortalError",
    "RegionError",
    "ReportError",
    "ResolveError",
    "ReviewError",
    "SettingsError",
    "SourceError",
    "SurveyError",
    "TargetError",
    "UncertainMappingError",
    "UnreadableFileError",
    "WhatIfError",
    "WorkspaceError",
]
