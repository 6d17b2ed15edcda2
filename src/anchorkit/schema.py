"""The canonical tables of the store (see docs/data-model.md for each column's meaning).

Money is DECIMAL(18,2) with its currency beside it, never a float. Every spend line and every
rejected row keeps the file it came from (``file_id`` = SHA-256 of the file's bytes) and its place
in that file (``sheet``, ``source_row`` as a spreadsheet numbers rows), so any number can be traced
back to a cell.
"""

from __future__ import annotations

from anchorkit.engine import Engine

ANCHOR_KINDS = (
    "hospital",
    "university",
    "college",
    "school_board",
    "municipality",
    "agency",
    "housing",
    "other",
)

TABLES: dict[str, str] = {
    "anchor": """
        CREATE TABLE IF NOT EXISTS anchor (
            anchor_id   INTEGER PRIMARY KEY,
            name        VARCHAR NOT NULL UNIQUE,
            kind        VARCHAR NOT NULL,
            region      VARCHAR,
            created_at  TIMESTAMP NOT NULL DEFAULT current_timestamp
        )""",
    "source_file": """
        CREATE TABLE IF NOT EXISTS source_file (
            file_id       VARCHAR PRIMARY KEY,
            anchor_id     INTEGER NOT NULL,
            name          VARCHAR NOT NULL,
            format        VARCHAR NOT NULL,
            encoding      VARCHAR,
            delimiter     VARCHAR,
            date_order    VARCHAR,
            mapping       JSON,
            notes         JSON,
            uploaded_by   VARCHAR,
            uploaded_at   TIMESTAMP NOT NULL DEFAULT current_timestamp,
            rows_read     BIGINT NOT NULL,
            rows_loaded   BIGINT NOT NULL,
            rows_rejected BIGINT NOT NULL,
            rows_skipped  JSON
        )""",
    "spend_line": """
        CREATE TABLE IF NOT EXISTS spend_line (
            line_id           BIGINT NOT NULL,
            file_id           VARCHAR NOT NULL,
            sheet             VARCHAR,
            source_row        BIGINT NOT NULL,
            anchor_id         INTEGER NOT NULL,
            paid_on           DATE NOT NULL,
            fiscal_year       INTEGER NOT NULL,
            amount            DECIMAL(18,2) NOT NULL,
            currency          VARCHAR NOT NULL,
            supplier_name     VARCHAR NOT NULL,
            supplier_ref      VARCHAR,
            supplier_postcode VARCHAR,
            description       VARCHAR,
            raw_category      VARCHAR,
            cost_centre       VARCHAR,
            transaction_ref   VARCHAR,
            supplier_id       VARCHAR,
            category          VARCHAR,
            extra             JSON
        )""",
    "rejected_row": """
        CREATE TABLE IF NOT EXISTS rejected_row (
            file_id     VARCHAR NOT NULL,
            anchor_id   INTEGER NOT NULL,
            sheet       VARCHAR,
            source_row  BIGINT NOT NULL,
            raw_cells   JSON NOT NULL,
            reasons     VARCHAR[] NOT NULL
        )""",
    "anchor_mapping": """
        CREATE TABLE IF NOT EXISTS anchor_mapping (
            anchor_id   INTEGER NOT NULL,
            signature   VARCHAR NOT NULL,
            mapping     JSON NOT NULL,
            saved_at    TIMESTAMP NOT NULL DEFAULT current_timestamp,
            PRIMARY KEY (anchor_id, signature)
        )""",
}


def create_schema(engine: Engine) -> None:
    """Create every table that does not exist yet; safe to run on every open."""
    with engine.transaction():
        for name, ddl in TABLES.items():
            engine.run(f"create_{name}", ddl)
