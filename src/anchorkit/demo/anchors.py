"""The seventeen fictional anchors of the demo network, each with its own finance system.

The list is fixed and ordered: ``build_demo(anchors=N)`` takes the first N. Weights split the lines
unevenly (the city and the big hospitals dominate, as in a real collaborative). Between them the anchors
use every layout the ingest must read; ``notes`` says in words what is peculiar to each.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from anchorkit.demo.layouts import Layout
from anchorkit.demo.names import NameHabit

AnchorKind = Literal[
    "hospital",
    "university",
    "college",
    "school_board",
    "municipality",
    "agency",
    "housing",
    "other",
]


@dataclass(frozen=True)
class AnchorProfile:
    """An anchor and how it exports: ``layouts[i]`` serves fiscal year i (the last one serves the rest)."""

    name: str
    kind: AnchorKind
    slug: str
    weight: float
    split: Literal["year", "quarter"]
    habit: NameHabit
    layouts: tuple[Layout, ...]
    ref: str
    notes: str

    def layout_for(self, year_index: int) -> Layout:
        return self.layouts[min(year_index, len(self.layouts) - 1)]


ANCHORS: tuple[AnchorProfile, ...] = (
    AnchorProfile(
        "Lakeshore General Hospital", "hospital", "lakeshore-general-hospital", 14, "year",
        NameHabit(suffix=("keep", "bare")),
        (Layout(
            "csv",
            (("date", "Payment Date"), ("ref", "Voucher Number"), ("vendor_id", "Vendor ID"),
             ("name", "Vendor Name"), ("description", "Description"), ("category", "GL Description"),
             ("cost_centre", "Cost Centre"), ("postcode", "Postal Code"), ("amount", "Invoice Total")),
            "AP_Payments_FY{fy}.csv", total_row=True, vendor_id="V{n:06d}",
        ),),
        "VO{n:07d}", "CSV, UTF-8, ISO dates, 1,234.56 amounts, trailing Total row",
    ),
    AnchorProfile(
        "City of Lakeport", "municipality", "city-of-lakeport", 16, "year",
        NameHabit(suffix=("bare",), case="upper", strip_punctuation=True, the="drop",
                  trading=("legal", "both"), oa_token="O/A"),
        (Layout(
            "xlsx",
            (("date", "Transaction Date"), ("name", "Supplier"), ("postcode", "Supplier Postcode"),
             ("cost_centre", "Service Area"), ("description", "Expense Type"), ("amount", "Amount")),
            "Vendor Payments FY{fy}.xlsx", sheets="quarters", date_style="excel_date",
            amount_style="number", title=("City of Lakeport — Payments to vendors, FY{fy}", ""),
            total_row=True, postcode_nospace=True,
        ),),
        "", "XLSX, one sheet per quarter, title + blank row, date cells, Total row per sheet, UPPER names",
    ),
    AnchorProfile(
        "University of Lake Ontario", "university", "university-of-lake-ontario", 10, "year",
        NameHabit(suffix=("long", "keep"), width=40, trading=("trade",)),
        (Layout(
            "xlsx",
            (("vendor_id", "Vendor Number"), ("name", "Payee"), ("date", "Date Paid"),
             ("amount", "Net Amount"), ("category", "Category"), ("cost_centre", "Department"),
             ("postcode", "Postal Code")),
            "ULO_supplier_payments_{fy_us}.xlsx", date_style="excel_serial", amount_style="number",
            sheet_name="Payments",
        ),),
        "", "XLSX, one sheet, dates as bare Excel serial numbers (e.g. 44652), names cut at 40",
    ),
    AnchorProfile(
        "Don Valley Health Sciences Centre", "hospital", "don-valley-health-sciences-centre", 11,
        "quarter",
        NameHabit(suffix=("bare", "drop"), width=30, strip_punctuation=True, the="drop",
                  trading=("legal",)),
        (Layout(
            "csv",
            (("date", "Document Date"), ("ref", "Document Number"), ("vendor_id", "Vendor No."),
             ("name", "Vendor"), ("amount", "Amount"), ("description", "Description"),
             ("category", "Category"), ("cost_centre", "Cost Center"), ("postcode", "Postal Code")),
            "DVHSC_AP_FY{fy}_Q{q}.tsv", delimiter="\t", encoding="utf-8-sig", date_style="d_mon_y",
            amount_style="trailing", vendor_id="{n:010d}", postcode_nospace=True,
        ),),
        "51{n:08d}", "TSV per quarter, UTF-8 BOM, '01 Apr 2022', 1234.56- negatives, names cut at 30",
    ),
    AnchorProfile(
        "Lakeport Transit Commission", "agency", "lakeport-transit-commission", 8, "year",
        NameHabit(ampersand="and", oa_token="operating as"),
        (Layout(
            "csv",
            (("date", "Payment Date"), ("name", "Payee"), ("vendor_id", "Vendor Number"),
             ("amount", "Invoice Total"), ("description", "Expense Type"), ("cost_centre", "Department"),
             ("postcode", "Postal Code")),
            "LTC vendor payments {fy_long}.csv", delimiter=";", encoding="cp1252", date_style="dmy",
            amount_style="dollar_paren", title=("Lakeport Transit Commission — Vendor payments FY{fy}", ""),
            total_row=True, vendor_id="LTC{n:05d}",
        ),),
        "", "semicolon CSV, cp1252, title + blank line, dd/mm/yyyy, $1,234.56 and ($1,234.56), Total row",
    ),
    AnchorProfile(
        "Humberview College", "college", "humberview-college", 5, "year",
        NameHabit(suffix=("bare",), case="upper", strip_punctuation=True, the="drop",
                  trading=("legal", "both"), oa_token="O/A"),
        (Layout(
            "csv",
            (("ref", "INVOICE_NUMBER"), ("date", "INVOICE_DATE"), ("vendor_id", "VENDOR_NUMBER"),
             ("name", "VENDOR_NAME"), ("amount", "INVOICE_AMOUNT"), ("description", "DESCRIPTION"),
             ("category", "GL_DESCRIPTION"), ("cost_centre", "DEPARTMENT"),
             ("postcode", "POSTAL_CODE")),
            "AP_INVOICES_FY{yy_end}.txt", delimiter="|", newline="\n", date_style="dd_mon_yy",
            amount_style="plain",
        ),),
        "INV-{n:06d}", "pipe-delimited .txt, Oracle-style headers, '01-APR-22' dates, files named by FY end",
    ),
    AnchorProfile(
        "Metro Lakes District School Board", "school_board", "metro-lakes-district-school-board", 7,
        "year",
        NameHabit(suffix=("long",), case="title", the="end", trading=("trade",)),
        (Layout(
            "csv",
            (("date", "Payment Date"), ("vendor_id", "Vendor Number"), ("name", "Vendor Name"),
             ("description", "Description"), ("amount", "Amount"), ("cost_centre", "Cost Centre"),
             ("postcode", "Postal Code")),
            "mldsb_payments_{fy}.csv", quote_all=True, header=False, date_style="dmy",
            amount_style="paren", vendor_id="{n:05d}",
        ),),
        "", "CSV with NO header row, every field quoted, dd/mm/yyyy, (1,234.56) negatives",
    ),
    AnchorProfile(
        "Lakeport Community Housing Corporation", "housing", "lakeport-community-housing-corporation",
        5, "year",
        NameHabit(suffix=("keep", "short"), ampersand="and", trading=("both", "trade")),
        (Layout(
            "xls",
            (("date", "Cheque Date"), ("ref", "Cheque Number"), ("vendor_id", "Vendor ID"),
             ("name", "Payee Name"), ("amount", "Amount"), ("description", "Description"),
             ("category", "Category"), ("cost_centre", "Department"), ("postcode", "Postal Code")),
            "LCHC Cheque Register {fy}.xls", date_style="excel_date", excel_date_format="DD/MM/YYYY",
            amount_style="number", sheet_name="Cheque Register", vendor_id="number",
        ),),
        "{n:06d}", "legacy .xls (BIFF8), date cells, vendor IDs as numbers",
    ),
    AnchorProfile(
        "Bayview Children's Hospital", "hospital", "bayview-childrens-hospital", 6, "quarter",
        NameHabit(comma_before_suffix=True, oa_token="dba"),
        (Layout(
            "csv",
            (("vendor_id", "Supplier ID"), ("name", "Supplier"), ("date", "Invoice Date"),
             ("ref", "Invoice Number"), ("amount", "Invoice Total"), ("currency", "Currency"),
             ("category", "Category"), ("cost_centre", "Cost Center"), ("postcode", "ZIP")),
            "BCH_Supplier_Invoices_FY{fy}_Q{q}.csv", encoding="utf-8-sig", date_style="mdy",
            amount_style="dollar", vendor_id="SUP-{n:06d}",
        ),),
        "INV{n:08d}", "CSV per quarter, UTF-8 BOM, US-style mm/dd/yyyy, $1,234.56, postcode header 'ZIP'",
    ),
    AnchorProfile(
        "Queen Street Metropolitan University", "university", "queen-street-metropolitan-university",
        5, "year",
        NameHabit(suffix=("keep", "bare"), trading=("trade", "both")),
        (
            Layout(
                "csv",
                (("name", "Vendor Name"), ("vendor_id", "Vendor ID"), ("date", "Payment Date"),
                 ("amount", "Amount"), ("description", "Description"), ("cost_centre", "Department"),
                 ("postcode", "Postal Code")),
                "qsmu_payments_{fy}.csv", newline="\n", amount_style="plain",
            ),
            Layout(
                "csv",
                (("date", "Transaction Date"), ("vendor_id", "Supplier Number"),
                 ("name", "Supplier Name"), ("cost_centre", "Cost Centre"),
                 ("description", "Expense Type"), ("category", "Category"), ("amount", "Net Amount"),
                 ("postcode", "Supplier Postcode")),
                "QSMU Payments FY{fy}.csv", newline="\n", vendor_id="S{n:07d}",
                postcode_nospace=True, name_upper=True,
            ),
        ),
        "", "CSV; new ERP from FY2022-23: columns renamed and reordered, new vendor IDs, UPPER names",
    ),
    AnchorProfile(
        "Highland Creek College", "college", "highland-creek-college", 3, "year",
        NameHabit(suffix=("keep", "drop")),
        (Layout(
            "xlsx",
            (("date", "Date"), ("name", "Vendor Name"), ("spacer", ""), ("amount", "Amount"),
             ("description", "Description"), ("cost_centre", "Department"), ("postcode", "Postal Code")),
            "HCC AP Payments {fy}.xlsx", date_style="excel_date", excel_date_format="dd-mmm-yyyy",
            amount_style="number", sheet_name="AP Payments",
            title=("Highland Creek College", "Accounts payable — payments by vendor, FY{fy}", ""),
        ),),
        "", "XLSX with two title rows + blank row, an empty spacer column (blank header) after the name",
    ),
    AnchorProfile(
        "Etobicoke Creek Hospital", "hospital", "etobicoke-creek-hospital", 3, "year",
        NameHabit(suffix=("keep", "bare", "long", "drop"), typo_rate=0.06, duplicate_rate=0.05),
        (Layout(
            "csv",
            (("vendor_id", "Vendor ID"), ("name", "Vendor Name"), ("date", "Invoice Date"),
             ("ref", "Invoice Number"), ("description", "Description"), ("cost_centre", "Cost Centre"),
             ("postcode", "Postal Code"), ("amount", "Amount")),
            "ECH_AP_Report_{fy}.csv", date_style="dmy", repeat_header_every=1000,
        ),),
        "{n:07d}", "CSV with the header row repeated mid-file (report pages), typos, duplicate vendors",
    ),
    AnchorProfile(
        "Lakeport Public Library", "agency", "lakeport-public-library", 2, "year",
        NameHabit(),
        (Layout(
            "xlsx",
            (("date", "Payment Date"), ("name", "Vendor Name"), ("vendor_id", "Vendor ID"),
             ("amount", "Amount"), ("category", "Category"), ("cost_centre", "Department"),
             ("postcode", "Postal Code")),
            "LPL_Payments_{fy}.xlsx", date_style="excel_date", amount_style="number",
            sheets="payment_method",
        ),),
        "", "XLSX with two data sheets, 'EFT' and 'Cheque', same columns",
    ),
    AnchorProfile(
        "Harbourfront Arts Centre", "other", "harbourfront-arts-centre", 1, "year",
        NameHabit(),
        (Layout(
            "csv",
            (("date", "Date"), ("name", "Supplier"), ("postcode", "Supplier Postcode"),
             ("description", "Description"), ("amount", "Amount")),
            "HAC_paiements_payments_{fy}.csv", encoding="cp1252", date_style="dmy",
            title=("Harbourfront Arts Centre — Paiements aux fournisseurs / Payments to suppliers {fy}", ""),
        ),),
        "", "CSV, cp1252 (accented names), bilingual title + blank line, dd/mm/yyyy",
    ),
    AnchorProfile(
        "Garrison Creek Community Health Centre", "other", "garrison-creek-community-health-centre",
        1.5, "year",
        NameHabit(suffix=("bare",), ampersand="amp"),
        (Layout(
            "csv",
            (("date", "Payment Date"), ("vendor_id", "Vendor ID"), ("name", "Vendor"),
             ("description", "Description"), ("category", "Category"), ("amount", "Amount"),
             ("postcode", "Postal Code")),
            "gcchc_vendor_payments_{fy}.csv", delimiter=";", newline="\n", amount_style="paren",
            vendor_id="GC-{n:04d}",
        ),),
        "", "semicolon CSV, UTF-8, ISO dates, (1,234.56) negatives",
    ),
    AnchorProfile(
        "York Heights University", "university", "york-heights-university", 2.5, "year",
        NameHabit(suffix=("keep", "long"), fold_accents=True),
        (Layout(
            "csv",
            (("ref", "Voucher Number"), ("date", "Payment Date"), ("vendor_id", "Vendor Number"),
             ("name", "Vendor Name"), ("amount", "Amount"), ("description", "Description"),
             ("category", "GL Description"), ("cost_centre", "Department"),
             ("postcode", "Postal Code")),
            "YHU_AP_{fy}.tsv", delimiter="\t", newline="\n", date_style="iso_time",
            amount_style="plain", vendor_id="{n:06d}",
        ),),
        "V{n:06d}", "TSV, '2022-04-01 00:00:00' dates, accents folded to ASCII",
    ),
    AnchorProfile(
        "Lakeport Parking Authority", "agency", "lakeport-parking-authority", 1, "year",
        NameHabit(suffix=("drop",), case="upper"),
        (Layout(
            "csv",
            (("date", "Transaction Date"), ("name", "Payee"), ("amount", "Value"),
             ("description", "Description"), ("postcode", "Postal Code")),
            "LPA_payments_{fy}.csv", delimiter="|", date_style="d_mon_y", amount_style="dollar",
        ),),
        "", "pipe-delimited despite the .csv name, '01 Apr 2022', $1,234.56, no vendor IDs",
    ),
)  # fmt: skip


def select_anchors(count: int) -> tuple[AnchorProfile, ...]:
    """The first ``count`` anchors; the demo has seventeen."""
    if not 1 <= count <= len(ANCHORS):
        raise ValueError(
            f"The demo network has 1 to {len(ANCHORS)} anchors; {count} were asked for."
        )
    return ANCHORS[:count]
