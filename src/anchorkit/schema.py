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
            site_postcode VARCHAR,            -- the main site, for local.radius_km
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
            rows_skipped  JSON,
            settings_used JSON                     -- settings its lines depend on, as they were
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
            extra             JSON,
            department        VARCHAR          -- the department or directorate, when the file says
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
    "derived_setting": """
        CREATE TABLE IF NOT EXISTS derived_setting (
            name        VARCHAR PRIMARY KEY,      -- a setting stored columns are derived from
            value       VARCHAR NOT NULL          -- the value they were derived with
        )""",
    "anchor_mapping": """
        CREATE TABLE IF NOT EXISTS anchor_mapping (
            anchor_id   INTEGER NOT NULL,
            signature   VARCHAR NOT NULL,
            mapping     JSON NOT NULL,
            saved_at    TIMESTAMP NOT NULL DEFAULT current_timestamp,
            PRIMARY KEY (anchor_id, signature)
        )""",
    # --- supplier resolution (issue 2) -------------------------------------------------------
    "supplier": """
        CREATE TABLE IF NOT EXISTS supplier (
            supplier_id   VARCHAR PRIMARY KEY,   -- stable across re-runs, e.g. 'S000123'
            name          VARCHAR NOT NULL,      -- the most used spelling
            name_key      VARCHAR NOT NULL,      -- normalised comparison key
            registry_ids  JSON,                  -- {"GB-COH": "01234567", "CA-BN": "..."}
            postcode      VARCHAR,
            lat           DOUBLE,
            lon           DOUBLE,
            local_area    VARCHAR,
            neighbourhood VARCHAR,
            priority_area BOOLEAN,
            place_precision VARCHAR,             -- full / fsa / outcode / zip / unknown
            place_reason  VARCHAR,               -- why a place is unknown or partial
            areas         JSON,                  -- every area the place falls in
            created_at    TIMESTAMP NOT NULL DEFAULT current_timestamp
        )""",
    "supplier_alias": """
        CREATE TABLE IF NOT EXISTS supplier_alias (
            record_id         VARCHAR NOT NULL,  -- md5 of source, name, vendor id, postcode
            group_id          VARCHAR NOT NULL,  -- md5 of name key and postcode (review unit)
            anchor_id         INTEGER,           -- NULL for registry records
            registry          VARCHAR,           -- NULL for anchor records
            raw_name          VARCHAR NOT NULL,
            supplier_ref      VARCHAR,
            postcode          VARCHAR,
            supplier_id       VARCHAR NOT NULL,
            match_probability DOUBLE,
            decided_by        VARCHAR NOT NULL   -- what put it in its supplier (see resolution.md)
        )""",
    "supplier_tag": """
        CREATE TABLE IF NOT EXISTS supplier_tag (
            supplier_id VARCHAR NOT NULL,
            tag         VARCHAR NOT NULL,        -- indigenous_owned, co_op, social_enterprise...
            source      VARCHAR NOT NULL,        -- the registry (or 'ocds', 'person:<who>')
            registry_id VARCHAR,
            valid_from  DATE,
            valid_to    DATE                     -- certification expiry; NULL = no expiry known
        )""",
    "registry_entry": """
        CREATE TABLE IF NOT EXISTS registry_entry (
            registry      VARCHAR NOT NULL,
            entry_id      VARCHAR NOT NULL,      -- registry id, else a hash of the row
            name          VARCHAR NOT NULL,
            address       VARCHAR,
            postcode      VARCHAR,
            city          VARCHAR,
            tags          VARCHAR[] NOT NULL,
            certified_on  DATE,
            expires_on    DATE,
            file_id       VARCHAR NOT NULL,
            source_row    BIGINT NOT NULL,
            extra         JSON,
            PRIMARY KEY (registry, entry_id)
        )""",
    "registry_file": """
        CREATE TABLE IF NOT EXISTS registry_file (
            file_id       VARCHAR PRIMARY KEY,   -- SHA-256 of the bytes: re-import is a no-op
            registry      VARCHAR NOT NULL,
            name          VARCHAR NOT NULL,
            imported_at   TIMESTAMP NOT NULL DEFAULT current_timestamp,
            rows_read     BIGINT NOT NULL,
            rows_loaded   BIGINT NOT NULL,
            rows_rejected BIGINT NOT NULL
        )""",
    "registry_rejected_row": """
        CREATE TABLE IF NOT EXISTS registry_rejected_row (
            file_id     VARCHAR NOT NULL,
            registry    VARCHAR NOT NULL,
            source_row  BIGINT NOT NULL,
            raw_cells   JSON NOT NULL,
            reasons     VARCHAR[] NOT NULL
        )""",
    "review_item": """
        CREATE TABLE IF NOT EXISTS review_item (
            pair_key          VARCHAR PRIMARY KEY,  -- order-free key of the two records
            left_record       JSON NOT NULL,
            right_record      JSON NOT NULL,
            match_probability DOUBLE NOT NULL,
            created_at        TIMESTAMP NOT NULL DEFAULT current_timestamp,
            reason            VARCHAR               -- why a person should look, if not the score
        )""",
    "review_decision": """
        CREATE TABLE IF NOT EXISTS review_decision (
            pair_key    VARCHAR NOT NULL,         -- a decision about two records, forever
            decision    VARCHAR NOT NULL,         -- 'match' or 'non_match'
            decided_by  VARCHAR NOT NULL,
            decided_at  TIMESTAMP NOT NULL DEFAULT current_timestamp,
            note        VARCHAR
        )""",
    # --- spend categories (issue 5) ----------------------------------------------------------
    "line_category": """
        CREATE TABLE IF NOT EXISTS line_category (
            line_id     BIGINT NOT NULL,
            code        VARCHAR,                 -- taxonomy code; NULL = unclassified
            level1      VARCHAR,                 -- the code's level-1 name
            level2      VARCHAR,                 -- the code's level-2 name (NULL at level 1)
            method      VARCHAR NOT NULL,        -- mapping, rule, supplier, model or none
            confidence  DOUBLE NOT NULL,
            evidence    VARCHAR NOT NULL         -- why, in a sentence
        )""",
    "category_mapping": """
        CREATE TABLE IF NOT EXISTS category_mapping (
            anchor_id    INTEGER NOT NULL,
            raw_key      VARCHAR NOT NULL,       -- the raw category, case and spacing ignored
            raw_category VARCHAR NOT NULL,       -- as the person typed it
            code         VARCHAR NOT NULL,
            decided_by   VARCHAR NOT NULL,       -- 'person:<who>'
            decided_at   TIMESTAMP NOT NULL DEFAULT current_timestamp,
            PRIMARY KEY (anchor_id, raw_key)
        )""",
    # --- targets (issue 6) ------------------------------------------------------------------
    "target": """
        CREATE TABLE IF NOT EXISTS target (
            indicator     VARCHAR NOT NULL,      -- local_share, impact_share, tag_share:co_op...
            year          INTEGER NOT NULL,      -- the fiscal year it is due
            anchor_id     INTEGER NOT NULL,      -- 0 = the whole network
            value         DOUBLE NOT NULL,       -- a share (0..1), an amount or a count
            baseline_year INTEGER,               -- progress is measured from this year's actual
            set_by        VARCHAR NOT NULL,
            set_at        TIMESTAMP NOT NULL DEFAULT current_timestamp,
            PRIMARY KEY (indicator, year, anchor_id)
        )""",
    # --- LM3 supplier survey (issue 6) --------------------------------------------------------
    "supplier_survey": """
        CREATE TABLE IF NOT EXISTS supplier_survey (
            supplier_id       VARCHAR PRIMARY KEY,
            local_spend_share DOUBLE NOT NULL,   -- 0..1 of the supplier's spending that is local
            local_staff_share DOUBLE,            -- 0..1 of its staff living locally; NULL = not asked
            source_file       VARCHAR NOT NULL,
            source_row        INTEGER NOT NULL,  -- the line / row number in that file
            imported_at       TIMESTAMP NOT NULL DEFAULT current_timestamp
        )""",
    # --- input-output multipliers (issue 6) -------------------------------------------------
    "multiplier_table": """
        CREATE TABLE IF NOT EXISTS multiplier_table (
            table_name  VARCHAR PRIMARY KEY,
            file_name   VARCHAR NOT NULL,
            file_sha256 VARCHAR NOT NULL,
            sector_map  VARCHAR NOT NULL,        -- naics, uk_sic (crosswalk) or 'map <file>'
            loaded_at   TIMESTAMP NOT NULL DEFAULT current_timestamp
        )""",
    "multiplier": """
        CREATE TABLE IF NOT EXISTS multiplier (
            table_name  VARCHAR NOT NULL,
            sector      VARCHAR NOT NULL,
            sector_name VARCHAR NOT NULL,
            output_direct   DOUBLE NOT NULL,     -- output per unit of spend
            output_indirect DOUBLE NOT NULL,
            output_induced  DOUBLE NOT NULL,
            jobs_direct_per_million   DOUBLE NOT NULL,
            jobs_indirect_per_million DOUBLE NOT NULL,
            jobs_induced_per_million  DOUBLE NOT NULL,
            PRIMARY KEY (table_name, sector)
        )""",
    "multiplier_sector_map": """
        CREATE TABLE IF NOT EXISTS multiplier_sector_map (
            table_name VARCHAR NOT NULL,
            category   VARCHAR NOT NULL,         -- a level-1 taxonomy name, or 'unclassified'
            sector     VARCHAR NOT NULL,
            PRIMARY KEY (table_name, category)
        )""",
    # --- OCDS (issue 7) ---------------------------------------------------------------------
    "ocds_award": """
        CREATE TABLE IF NOT EXISTS ocds_award (
            line_id           BIGINT NOT NULL,   -- the spend line: one row per award supplier
            file_id           VARCHAR NOT NULL,
            anchor_id         INTEGER NOT NULL,
            pointer           VARCHAR NOT NULL,  -- the award's JSON pointer in the file
            ocid              VARCHAR NOT NULL,
            release_id        VARCHAR,
            release_date      VARCHAR,           -- as published (ISO 8601 with its zone)
            award_id          VARCHAR,
            award_status      VARCHAR,
            award_date        VARCHAR,           -- as published
            award_value       DECIMAL(18,2) NOT NULL,  -- the whole award's, not the line's share
            currency          VARCHAR NOT NULL,
            title             VARCHAR,
            description       VARCHAR,
            classification    JSON,              -- {scheme, id, description}, e.g. CPV
            buyer_id          VARCHAR,
            buyer_name        VARCHAR,
            supplier_index    INTEGER NOT NULL,  -- place in the award's suppliers
            supplier_party_id VARCHAR,
            supplier_name     VARCHAR NOT NULL,
            identifier_scheme VARCHAR,           -- e.g. GB-COH
            identifier_id     VARCHAR,
            legal_name        VARCHAR,
            postcode          VARCHAR,
            address           JSON,
            scale             VARCHAR,           -- details.scale: sme / large
            vcse              BOOLEAN            -- details.vcse (Contracts Finder)
        )""",
    # --- the other two levers: workforce and investment (issue 14) ----------------------------
    "lever_file": """
        CREATE TABLE IF NOT EXISTS lever_file (
            file_id       VARCHAR NOT NULL,      -- SHA-256 of the bytes: re-import is a no-op
            kind          VARCHAR NOT NULL,      -- 'workforce' or 'investment'
            anchor_id     INTEGER NOT NULL,
            name          VARCHAR NOT NULL,
            format        VARCHAR,
            columns       JSON,                  -- which header was read as what
            notes         JSON,
            periods       JSON,                  -- workforce: the periods the file replaced
            uploaded_by   VARCHAR,
            imported_at   TIMESTAMP NOT NULL DEFAULT current_timestamp,
            rows_read     BIGINT NOT NULL,
            rows_loaded   BIGINT NOT NULL,
            rows_rejected BIGINT NOT NULL,
            PRIMARY KEY (file_id, kind)
        )""",
    "lever_rejected_row": """
        CREATE TABLE IF NOT EXISTS lever_rejected_row (
            file_id     VARCHAR NOT NULL,
            kind        VARCHAR NOT NULL,
            anchor_id   INTEGER NOT NULL,
            sheet       VARCHAR,
            source_row  BIGINT NOT NULL,
            raw_cells   JSON NOT NULL,
            reasons     VARCHAR[] NOT NULL
        )""",
    "workforce_count": """
        CREATE TABLE IF NOT EXISTS workforce_count (
            file_id      VARCHAR NOT NULL,
            anchor_id    INTEGER NOT NULL,
            period       INTEGER NOT NULL,       -- the fiscal year the counts describe
            sheet        VARCHAR,
            source_row   BIGINT NOT NULL,
            home_area    VARCHAR,                -- FSA / outcode / ZIP / neighbourhood; NULL: all
            kind         VARCHAR NOT NULL,       -- staff, new_hire, leaver, apprentice, contractor_staff
            wage_band    VARCHAR NOT NULL,       -- below_living_wage, living_wage_or_above, unknown
            equity_group VARCHAR,                -- a self-identified group; NULL: everyone
            headcount    BIGINT NOT NULL,
            fte          DECIMAL(12,2),
            payroll      DECIMAL(18,2),
            currency     VARCHAR NOT NULL
        )""",
    "investment_holding": """
        CREATE TABLE IF NOT EXISTS investment_holding (
            file_id           VARCHAR NOT NULL,
            anchor_id         INTEGER NOT NULL,
            sheet             VARCHAR,
            source_row        BIGINT NOT NULL,
            investee          VARCHAR NOT NULL,
            investee_ref      VARCHAR,           -- a registry or company number, if given
            investee_postcode VARCHAR,
            amount            DECIMAL(18,2) NOT NULL,
            currency          VARCHAR NOT NULL,
            type              VARCHAR NOT NULL,  -- deposit, loan, bond, equity, fund, other
            start_on          DATE,
            end_on            DATE,
            flags             VARCHAR[] NOT NULL,  -- cdfi, community_bond, co_op, ...
            supplier_id       VARCHAR,           -- the supplier it is (resolve/match.py)
            match_probability DOUBLE,
            matched_by        VARCHAR            -- 'registry_id', 'name_key', 'model' or NULL
        )""",
    # --- social-value commitments and Tier-2 (issue 15) ---------------------------------------
    "sv_contract": """
        CREATE TABLE IF NOT EXISTS sv_contract (
            contract_id   VARCHAR PRIMARY KEY,   -- the buyer's reference, or an OCDS award id / ocid
            anchor_id     INTEGER NOT NULL,
            supplier_name VARCHAR NOT NULL,
            supplier_id   VARCHAR,               -- the resolved supplier, when its name matches one
            title         VARCHAR,
            source        VARCHAR NOT NULL,      -- 'entered', 'csv:<file>' or 'ocds:<ocid>'
            created_at    TIMESTAMP NOT NULL DEFAULT current_timestamp
        )""",
    "sv_commitment": """
        CREATE TABLE IF NOT EXISTS sv_commitment (
            contract_id  VARCHAR NOT NULL,
            framework    VARCHAR NOT NULL,       -- a framework pack's id, e.g. national-toms
            measure      VARCHAR NOT NULL,       -- a measure of that pack, e.g. NT1
            quantity     DOUBLE NOT NULL,        -- committed over the period, in the measure's unit
            period_start DATE NOT NULL,
            period_end   DATE NOT NULL,
            PRIMARY KEY (contract_id, framework, measure)
        )""",
    "sv_actual": """
        CREATE TABLE IF NOT EXISTS sv_actual (
            contract_id VARCHAR NOT NULL,
            framework   VARCHAR NOT NULL,
            measure     VARCHAR NOT NULL,
            quarter     VARCHAR NOT NULL,        -- calendar quarter, e.g. 2024Q1
            quantity    DOUBLE NOT NULL,         -- delivered in that quarter
            evidence    VARCHAR,                 -- what the supplier offers as proof (file name)
            reported_by VARCHAR NOT NULL,
            reported_on DATE NOT NULL,           -- when the return was received
            PRIMARY KEY (contract_id, framework, measure, quarter)
        )""",
    "tier2_return": """
        CREATE TABLE IF NOT EXISTS tier2_return (
            prime_name        VARCHAR NOT NULL,  -- the Tier-1 supplier that reports
            prime_id          VARCHAR,           -- resolved, when its name matches a supplier
            anchor_id         INTEGER NOT NULL,  -- the anchor the spend is allocated to
            year              INTEGER NOT NULL,  -- the anchor's fiscal year
            subcontractor     VARCHAR NOT NULL,
            postcode          VARCHAR,
            subcontractor_id  VARCHAR,           -- resolved like any supplier
            declared_tags     VARCHAR,           -- what the prime says, comma separated
            amount            DECIMAL(18,2) NOT NULL,
            reported_by       VARCHAR NOT NULL,
            reported_on       DATE NOT NULL
        )""",
}


#: Columns added after a table was first released: older workspaces gain them on open.
ADDED_COLUMNS = (
    ("spend_line", "department", "VARCHAR"),
    ("source_file", "settings_used", "JSON"),
    ("anchor", "site_postcode", "VARCHAR"),
    ("supplier", "place_precision", "VARCHAR"),
    ("supplier", "place_reason", "VARCHAR"),
    ("supplier", "areas", "JSON"),
    ("review_item", "reason", "VARCHAR"),
)


def create_schema(engine: Engine) -> None:
    """Create every table that does not exist yet; safe to run on every open."""
    with engine.transaction():
        for name, ddl in TABLES.items():
            engine.run(f"create_{name}", ddl)
        for table, column, kind in ADDED_COLUMNS:
            engine.run(
                f"add_{table}_{column}",
                f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {column} {kind}",
            )
