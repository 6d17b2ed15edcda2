"""Every spend file of ../shared/data ingests with no mapping, to the cent of its truth.

One test per file. The truth is the publisher's own (each folder's SOURCE.md states how many rows
are spend lines and what they add up to, and which rows are not: titles, totals, subtotals), or,
for Lancashire's workbooks, the flattened CSV made independently beside them. Every data row is
either loaded or rejected with a reason, and the rows read (loaded + rejected) add up to the
truth: a rejected row is still a row of the file (Oxford's one line without a supplier is).
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from anchorkit.ingest import ingest_files, values
from anchorkit.workspace import Workspace

VARIETY = "spend-variety"
PUBLISHERS = [
    "ca-receiver-general-public-accounts-transfer-payments",
    "uk-department-for-work-and-pensions",
    "uk-department-of-health",
    "uk-intellectual-property-office",
    "uk-london-borough-of-lambeth",
    "uk-oxford-city-council",
    "uk-trafford-council",
]
TRUTH = re.compile(r"\*\*([\d,]+) [^*]*?rows?, total (?:([A-Z]{3}) |(£))([\d,]+(?:\.\d+)?)\.?\*\*")
#: what each file's columns must be read as (the rest is checked by the totals)
EXPECTED = {
    "ca-receiver-general-public-accounts-transfer-payments": {
        "supplier_name": "RCPNT_NML_EN_DESC",
        "amount": "AGRG_PYMT_AMT",  # not TOT_CY_XPND_AMT, which holds the subtotals
        "paid_on": "FSCL_YR",
    },
    "uk-trafford-council": {
        "supplier_name": "BeneficiaryName",
        "paid_on": "PaymentDate",  # not EffectiveDate, the month of publication
        "raw_category": "ProclassLabel",
        "supplier_ref": "BeneficiaryOtherID",
    },
    "uk-oxford-city-council": {
        "raw_category": "Expenditure Catergory",
        "cost_centre": "Service Area",
        "supplier_ref": "Supplier ID",
    },
    "uk-london-borough-of-lambeth": {
        "department": "Department",
        "paid_on": "Invoice Creation Date",
    },
    "uk-department-of-health": {
        "supplier_postcode": "Supplier Site Postcode",
        "description": "PO Line Description",
    },
}


def truth(folder: Path) -> tuple[int, str, Decimal]:
    found = TRUTH.search((folder / "SOURCE.md").read_text(encoding="utf-8"))
    assert found, f"no truth line in {folder / 'SOURCE.md'}"
    currency = found[2] or "GBP"  # written as £
    return int(found[1].replace(",", "")), currency, Decimal(found[4].replace(",", ""))


def rejected_amounts(ws: Workspace, file_id: str, header: str) -> Decimal:
    """The amounts of the file's rejected rows that have one (read as ingest reads them)."""
    (total,) = ws.engine.query_one(
        "t",
        f"SELECT coalesce(sum({values.amount_sql('cell')}), 0) FROM ("
        "SELECT json_extract_string(raw_cells, ?) AS cell FROM rejected_row WHERE file_id = ?)",
        [f'$."{header}"', file_id],
    )
    return Decimal(total)


def test_every_publisher_of_the_corpus_has_its_test(shared_data: Path) -> None:
    """A publisher added to shared/data is tested too, not skipped because nobody listed it."""
    folders = sorted(p.name for p in (shared_data / VARIETY).iterdir() if p.is_dir())
    assert folders == sorted(PUBLISHERS)
    assert all(len(list((shared_data / VARIETY / f).glob("*.csv"))) == 1 for f in folders)


@pytest.mark.slow
@pytest.mark.parametrize("publisher", PUBLISHERS)
def test_spend_variety_file_loads_with_no_mapping_to_its_truth(
    tmp_path: Path, shared_data: Path, publisher: str
) -> None:
    folder = shared_data / VARIETY / publisher
    (path,) = sorted(folder.glob("*.csv"))
    rows, currency, total = truth(folder)
    ws = Workspace.init(tmp_path / "ws", settings={"currency": currency})
    ws.add_anchor("Publisher", "agency")
    (result,) = ingest_files(ws, [path], "Publisher")
    assert result.error is None, result.error
    assert result.file_id is not None
    assert result.rows_read == result.rows_loaded + result.rows_rejected
    assert result.rows_read == rows, (result.rows_skipped, result.notes)
    (layout,) = result.mapping
    fields: dict[str, Any] = layout["fields"]
    for field, header in EXPECTED.get(publisher, {}).items():
        assert fields[field]["header"] == header, (field, fields.get(field))
    assert all(fields[f]["confidence"] >= 0.5 for f in ("supplier_name", "amount", "paid_on"))
    (loaded, currencies) = ws.engine.query_one(
        "t",
        "SELECT sum(amount), list(DISTINCT currency) FROM spend_line WHERE file_id = ?",
        [result.file_id],
    )
    assert currencies == [currency]
    rejected = rejected_amounts(ws, result.file_id, fields["amount"]["header"])
    assert loaded + rejected == total
    # every rejected row says why; rejections are the exception in these clean files
    assert result.rows_rejected <= 1
    assert all(
        reasons for (reasons,) in ws.engine.query("t", "SELECT reasons FROM rejected_row", [])
    )
    ws.close()


LANCS = "uk-lancashire-fire-police-spend"
WORKBOOKS = [
    "fire-2022-23.xlsx",
    "fire-2023-24.xlsx",
    "fire-2024-25.xlsx",
    "fire-2025-26-q1.xlsx",
    "fire-2025-26-q2.xlsx",
    "fire-2025-26-q3.xlsx",
    "pcc-2018-19.xlsx",
    "pcc-2019-20.xlsx",
    "pcc-2020-21.xlsx",
    "pcc-2021-22.xlsx",
    "pcc-2022-23.xlsx",
    "pcc-2023-24.xlsx",
    "pcc-2024-25.xlsx",
]
FLAT = {
    "fire": "lancashire_fire_rescue_spend.csv",
    "pcc": "lancashire_police_crime_commissioner_spend.csv",
}


@pytest.mark.slow
@pytest.mark.parametrize("name", WORKBOOKS)
def test_lancashire_workbook_matches_the_flattened_csv(
    tmp_path: Path, shared_data: Path, name: str
) -> None:
    """Each workbook (many sheets, header drift, serial dates) against the flattened CSV made
    beside it: the same lines, date by date, to the penny."""
    folder = shared_data / LANCS
    assert sorted(p.name for p in (folder / "xlsx").glob("*.xlsx")) == WORKBOOKS
    ws = Workspace.init(tmp_path / "ws", settings={"currency": "GBP"})
    ws.add_anchor("Lancashire", "agency")
    (result,) = ingest_files(ws, [folder / "xlsx" / name], "Lancashire")
    assert result.error is None, result.error
    assert result.rows_read == result.rows_loaded + result.rows_rejected
    assert result.rows_rejected == 0, result.notes
    flat = folder / FLAT[name.split("-")[0]]
    expected = duckdb.sql(
        f"SELECT date, sum(amount_gbp::DECIMAL(18,2)), count(*) FROM read_csv('{flat}') "
        f"WHERE source_file = '{name}' GROUP BY date"
    ).fetchall()
    got = ws.engine.query(
        "t",
        "SELECT paid_on, sum(amount), count(*) FROM spend_line WHERE file_id = ? GROUP BY paid_on",
        [result.file_id],
    )

    def by_date(rows: list[tuple[Any, ...]]) -> dict[str, tuple[Decimal, int]]:
        return {str(d): (Decimal(str(s)), int(n)) for d, s, n in rows}

    assert result.rows_loaded == sum(n for _, _, n in expected)
    assert by_date(got) == by_date(expected)
    ws.close()
