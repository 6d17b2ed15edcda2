"""The dashboard in a real browser: Python Playwright driving Debian's chromium.

The app runs under uvicorn in a thread on a free 127.0.0.1 port, against a copy of the session's
demo network (``demo_template``) with the accounts of ``conftest._site``. Each test has its own
browser context (own cookies). ``playwright install`` cannot download browsers here: the tests use
``/usr/bin/chromium`` (``.ci/run`` installs it with apt). Without it they skip, except under CI,
where they fail.

With ``ANCHORKIT_SCREENSHOTS=1`` the tests also write full-page screenshots of the main pages to
``docs/screenshots/`` (1280 px wide); otherwise they write nothing outside their temp folders.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.web.conftest import PASSWORD, Site, _site

pytestmark = pytest.mark.browser

CHROMIUM = Path(os.environ.get("ANCHORKIT_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
WIDTH = 1280
TIMEOUT_MS = 15_000

# A file as finance systems export it: a title row above the header, abbreviated headers, two
# date columns (the ingest takes the invoice date for the payment date, as the other is headed
# only "Cleared"; the user corrects it), a
# totals row, a row whose amount is not a number and one with no payment date.
MESSY_CSV = """\
Accounts payable - payments over 500 - Q1 2024,,,,,
Vendor,Amount ($),Invoice Date,Cleared,Dept,Details
Harbourfront Catering Ltd,"1,250.00",2024-01-10,2024-01-15,Facilities,Staff canteen
Riverdale Cleaning Co,980.50,2024-01-28,2024-02-03,Facilities,Office cleaning
Kensington Print Shop,"2,400.00",2024-02-12,2024-02-20,Communications,Annual report
Danforth Electrical Inc,n/a,2024-02-25,2024-03-01,Estates,Rewiring
Leslieville Florists,310.00,2024-03-02,,Facilities,Reception flowers
Total,"4,940.50",,,,
"""


def _ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """The app under uvicorn in a background thread."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            site.app,  # type: ignore[arg-type]
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            lifespan="off",
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="uvicorn", daemon=True)

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"uvicorn did not start on {self.url}")
            time.sleep(0.05)

    def stop(self) -> None:
        if not self.thread.is_alive():
            return
        self.server.should_exit = True
        self.thread.join(timeout=20)
        assert not self.thread.is_alive(), "uvicorn did not stop"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)"
        if _ci():
            pytest.fail(message + " — CI must run the browser tests")
        pytest.skip(message)

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="module")
def live(
    request: pytest.FixtureRequest, browser: Browser, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    yield from serve_demo_copy(request, tmp_path_factory, "browser")


def serve_demo_copy(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, name: str
) -> Iterator[LiveServer]:
    """A live server on a writable copy of the session's demo network (for a module fixture).

    The demo network is asked for here, after ``browser``: without chromium the tests skip (or
    fail under CI) before the session spends its 15 s building the network."""
    demo_template: Path = request.getfixturevalue("demo_template")
    root = tmp_path_factory.mktemp(name) / "net"
    shutil.copytree(demo_template, root)
    sites = _site(root)  # a generator: its ``finally`` closes the workspace
    server = LiveServer(next(sites))
    try:
        server.start()
        yield server
    finally:
        server.stop()
        next(sites, None)


@pytest.fixture
def page(browser: Browser, live: LiveServer) -> Iterator[Page]:

    context = browser.new_context(
        base_url=live.url, viewport={"width": WIDTH, "height": 800}, locale="en-GB"
    )
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        yield tab
    finally:
        context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def shot(page: Page, name: str, *, height: int | None = None) -> None:
    """A full-page screenshot in docs/screenshots/, only when ANCHORKIT_SCREENSHOTS=1.

    ``height`` cuts a long page (a table of lines) to its top, to keep the PNG under 400 KB.
    """
    if os.environ.get("ANCHORKIT_SCREENSHOTS") != "1":
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    clip = {"x": 0, "y": 0, "width": WIDTH, "height": height} if height else None
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True, clip=clip)  # type: ignore[arg-type]


def log_in(page: Page, role: str, password: str = PASSWORD, *, next_: str = "/") -> None:

    page.goto(f"/login?next={next_}")
    page.get_by_label("Email").fill(f"{role}@test.org")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state("load")


def _charts_drawn(page: Page, *spec_ids: str) -> None:

    for spec_id in spec_ids:
        chart = page.locator(f'div.chart[data-spec-id="{spec_id}"]')
        expect(chart).to_have_count(1)
        page.wait_for_selector(f'div.chart[data-spec-id="{spec_id}"][data-rendered]')
        assert chart.get_attribute("data-rendered") == "true", chart.inner_text()
        expect(chart.locator("svg").first).to_be_visible()


# --- the flows ---------------------------------------------------------------------------------


def test_login_form_and_wrong_password(page: Page) -> None:

    page.goto("/overview")
    assert "/login?next=/overview" in page.url
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    shot(page, "login")

    log_in(page, "analyst", "not the password", next_="/overview")
    expect(page.get_by_role("alert")).to_be_visible()
    assert "/login" in page.url
    assert page.get_by_label("Email").input_value() == "analyst@test.org"
    assert page.get_by_label("Password").input_value() == ""

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Network overview")).to_be_visible()
    assert page.url.endswith("/overview")
    expect(page.locator("header .who")).to_contain_text("analyst@test.org (analyst)")

    page.get_by_role("button", name="Log out").click()
    expect(page.locator("header .who")).to_contain_text("Log in")


def test_upload_messy_file_confirm_mapping_and_see_rejects(
    page: Page, live: LiveServer, tmp_path: Path
) -> None:

    own = live.site.anchors["own"]
    log_in(page, "anchor", next_=f"/anchors/{own}")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert page.url.endswith(f"/anchors/{own}")
    shot(page, "anchor")

    page.get_by_role("link", name="Spend lines").click()
    expect(page.locator("#lines-table tbody tr")).to_have_count(50)
    page.get_by_label("Supplier contains").fill("surgical")
    page.get_by_label("Rows per page").select_option("25")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"supplier=surgical"))
    rows = page.locator("#lines-table tbody tr")
    expect(rows).to_have_count(25)
    expect(rows.filter(has_not_text="Surgical")).to_have_count(0)
    shot(page, "lines", height=1500)

    messy = tmp_path / "ap-payments-q1.csv"
    messy.write_text(MESSY_CSV, encoding="utf-8")
    page.get_by_role("link", name="Upload").click()
    expect(page.get_by_role("heading", name="Upload a spend file")).to_be_visible()
    # an anchor user can pick only its own anchor
    assert page.locator("select[name=anchor_id] option").count() == 1
    page.locator("input[type=file]").set_input_files(str(messy))
    page.get_by_role("button", name="Check the file").click()

    expect(page.locator("#upload-status")).to_contain_text("not loaded yet")
    expect(page.locator("#rows-loaded")).to_have_text("4")
    expect(page.locator("#rows-rejected")).to_have_text("1")
    preview = page.locator("#preview-rejects")
    expect(preview.locator("tbody tr")).to_have_count(1)
    expect(preview).to_contain_text("'n/a' is not a number")
    expect(page.locator("#validation + ul.notes")).to_contain_text("header found at row 2")

    # the ingest took the invoice date for the payment date: correct it before loading
    expect(page.locator("#map_supplier_name")).to_have_value("Vendor")
    expect(page.locator("#map_amount")).to_have_value("Amount ($)")
    expect(page.locator("#map_paid_on")).to_have_value("Invoice Date")
    expect(page.locator("#map_description")).to_have_value("Details")
    page.locator("#map_paid_on").select_option("Cleared")
    shot(page, "upload-report")

    # a changed column is checked again first: the user confirms what they then see
    page.get_by_role("button", name="Confirm the columns and load").click()
    expect(page.locator("#upload-status")).to_contain_text("not loaded yet")
    expect(page.locator("#map_paid_on")).to_have_value("Cleared")
    expect(page.locator("#rows-loaded")).to_have_text("3")
    expect(page.locator("#rows-rejected")).to_have_text("2")
    expect(page.locator("#preview-rejects tbody tr")).to_have_count(2)
    page.get_by_role("button", name="Confirm the columns and load").click()
    expect(page.locator("#upload-status")).to_contain_text("Loaded")
    expect(page.locator("#rows-loaded")).to_have_text("3")
    expect(page.locator("#rows-rejected")).to_have_text("2")  # + the row with no payment date

    page.get_by_role("link", name="All rejected rows of").click()
    expect(page.get_by_role("heading", name="Rejected rows")).to_be_visible()
    table = page.locator("#rejects-table")
    amount = table.locator("tbody tr", has_text="Danforth Electrical")
    expect(amount).to_have_count(1)
    expect(amount).to_contain_text("'n/a' is not a number")
    date = table.locator("tbody tr", has_text="Leslieville Florists")
    expect(date).to_have_count(1)
    expect(date).to_contain_text("date is empty")
    # the totals row is not a rejected row
    expect(table.locator("tbody tr", has_text="4,940.50")).to_have_count(0)
    shot(page, "rejected-rows")

    # the rows that loaded are the anchor's spend lines now
    page.goto(f"/anchors/{own}/lines?supplier=Kensington")
    expect(page.locator("table.data").first).to_contain_text("Kensington Print Shop")


def test_admin_accepts_a_review_item(page: Page) -> None:

    log_in(page, "admin", next_="/review")
    expect(page.get_by_role("heading", name="Review queue")).to_be_visible()
    rows = page.locator("table.review tbody tr[id^=item-]")
    assert rows.count() >= 1, "the demo network should leave pairs for review"
    shot(page, "review")

    first = rows.first
    item_id = first.get_attribute("id")
    first.get_by_role("button", name="Same supplier").click()
    swapped = page.locator("table.review tr.decided")
    expect(swapped).to_have_count(1)
    expect(swapped).to_contain_text("Recorded: match")
    # swapped in place by htmx: still on /review, the other items untouched
    assert page.url.endswith("/review")
    assert page.locator(f"tr#{item_id}").count() == 0

    page.reload()
    assert page.locator(f"tr#{item_id}").count() == 0


def test_overview_trend_chart_and_map_render(page: Page) -> None:

    log_in(page, "admin", next_="/overview")
    expect(page.get_by_role("heading", name="Network overview")).to_be_visible()
    _charts_drawn(page, "spec-trend", "spec-map", "spec-by_anchor", "spec-by_category")
    shot(page, "overview")


def test_supplier_pages(page: Page, live: LiveServer) -> None:

    own = live.site.supplier_id
    log_in(page, "supplier", next_=f"/suppliers/{own}")
    assert page.url.endswith(f"/suppliers/{own}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(own)
    page.get_by_role("button", name="Log out").click()

    # an analyst finds a tagged supplier in the directory (the tag filter swaps the table)
    log_in(page, "analyst", next_="/suppliers")
    expect(page.get_by_role("heading", name="Supplier directory")).to_be_visible()
    tags = page.locator("select[name=tag] option:not([value=''])")
    assert tags.count() >= 1, "the demo network tags some suppliers"
    tag = tags.first.inner_text()
    page.get_by_label("Tag").select_option(tag)
    expect(page).to_have_url(re.compile(r"tag="))
    first = page.locator("#suppliers tbody tr").first
    expect(first.locator(".tag", has_text=tag)).to_have_count(1)
    first.get_by_role("link").click()
    expect(page.get_by_role("heading", name="Tags")).to_be_visible()
    expect(page.locator("main table.data").first).to_contain_text(tag)
    shot(page, "supplier")


def test_publish_then_public_page(page: Page) -> None:

    log_in(page, "admin", next_="/overview")
    page.get_by_role("button", name="Publish these indicators").click()
    expect(page.get_by_role("heading", name="published indicators")).to_be_visible()
    assert page.url.endswith("/public")
    expect(page.locator("main")).not_to_contain_text("Nothing has been published yet")

    # the public sees the same page without logging in
    page.get_by_role("button", name="Log out").click()
    page.goto("/public")
    expect(page.locator("header .who")).to_contain_text("Log in")
    expect(page.locator("main")).to_contain_text("Publication")
    _charts_drawn(page, "spec-trend", "spec-map")
    shot(page, "public")


def test_opportunities_suppliers_impact_and_what_if_read_as_meant(
    page: Page, live: LiveServer
) -> None:
    """The pages a coordinator reads first (issue 23): opportunities named with their parent
    category, catch-alls apart, each with what to do next; the supplier directory's local
    areas; jobs as whole numbers; a change of share in percentage points."""
    from anchorkit.analytics.multipliers import example_path, load_multipliers

    with live.site.app.state.anchorkit.store.writer() as ws:  # type: ignore[attr-defined]
        load_multipliers(ws, example_path())
    log_in(page, "admin", next_="/opportunities")
    first = page.locator("table#opportunities tbody tr").first
    expect(first).to_contain_text(" – ")  # "Facilities & Management Services – Security"
    expect(first.locator("ul.next-steps li").first).to_contain_text("Talk to the buyers at")
    later = page.locator("#needs-classification")
    if later.count():
        expect(later).to_contain_text("Not Elsewhere Classified")
        ranked = page.locator("table.opportunities:not(#needs-classification)")
        for i in range(ranked.count()):
            expect(ranked.nth(i)).not_to_contain_text("Not Elsewhere Classified")
    shot(page, "opportunities", height=1800)

    page.goto("/suppliers")
    expect(page.locator("#suppliers .tag.local").first).to_be_visible()
    shot(page, "suppliers", height=1400)

    page.goto("/impact")
    jobs = page.locator("#jobs dd").nth(1).inner_text()
    assert re.fullmatch(r"\d{1,3}(,\d{3})*|\d\.\d", jobs), jobs  # "29,431", never "29431.1"
    shot(page, "impact")

    page.goto("/what-if?shift=Security:50")
    share_row = page.locator("#what-if-result tbody tr", has_text="local share")
    expect(share_row).to_contain_text(" pp")
    shot(page, "what-if")


def test_community_page(page: Page) -> None:

    log_in(page, "analyst", next_="/community")
    expect(page.locator("#neighbourhoods")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Fictional demo figures")
    shot(page, "community", height=1600)


# The other two levers (issue 14): counts by home area for a year the demo has no figures for, so
# the page's row for it is this file's alone. Worked by hand: local = a postcode starting M (the
# demo's rule): staff 40 + 30 of 90 = 77.8 %, new hires 12 + 8 of 25 = 80.0 %.
WORKFORCE_CSV = """\
Home FSA,Staff,New hires
M3N,40,12
M5V,30,8
L4C,20,5
"""
REGISTER_CSV = """\
Investee,Type,Amount,Postal code,Flags,Start date
Black Creek Community Loan Fund,Loan,250000,M3N 1A1,CDFI,2019-05-01
Bay Street Trust Company,Deposit,750000,M5J 2J2,,2019-05-01
"""


def test_anchor_uploads_workforce_and_investment_and_sees_only_its_own(
    page: Page, live: LiveServer, tmp_path: Path
) -> None:

    own, other = live.site.anchors["own"], live.site.anchors["other"]
    log_in(page, "anchor", next_=f"/anchors/{own}")
    expect(page.locator("#hiring")).to_be_visible()

    page.goto(f"/anchors/{own}/workforce")
    counts = tmp_path / "workforce-counts-2025.csv"
    counts.write_text(WORKFORCE_CSV, encoding="utf-8")
    page.locator("#lever-upload input[type=file]").set_input_files(str(counts))
    page.get_by_label("Fiscal year counted").fill("2025")
    page.get_by_role("button", name="Upload and import").click()
    expect(page.locator("#lever-result")).to_contain_text("3 rows loaded, 0 rejected")
    year = page.locator("#workforce-by-year tbody tr:has(td:first-child:text-is('2025'))")
    expect(year).to_have_count(1)
    cells = year.locator("td")
    expect(cells.nth(1)).to_have_text("90")  # staff
    expect(cells.nth(2)).to_have_text("77.8 %")  # living locally
    expect(cells.nth(5)).to_have_text("25")  # new hires
    expect(cells.nth(6)).to_have_text("80.0 %")  # hires living locally
    shot(page, "workforce", height=1400)

    # a list of people is refused, and says how to make counts of it
    people = tmp_path / "hr-export.csv"
    people.write_text(
        "Employee ID,Last Name,Postal Code,Hire Date\n1,Lee,M5V 2T6,2020-01-01\n"
        "2,Roy,M1B 0A5,2021-01-01\n",
        encoding="utf-8",
    )
    page.locator("#lever-upload input[type=file]").set_input_files(str(people))
    page.get_by_role("button", name="Upload and import").click()
    expect(page.get_by_role("alert")).to_contain_text("anchorkit workforce aggregate")

    page.get_by_role("link", name="Investment", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("investment")
    register = tmp_path / "investment-register.csv"
    register.write_text(REGISTER_CSV, encoding="utf-8")
    page.locator("#lever-upload input[type=file]").set_input_files(str(register))
    page.get_by_role("button", name="Upload and import").click()
    expect(page.locator("#lever-result")).to_contain_text("2 rows loaded, 0 rejected")
    holdings = page.locator("#holdings tbody tr")
    expect(holdings).to_have_count(2)  # the register replaced the demo's
    fund = holdings.filter(has_text="Black Creek Community Loan Fund")
    expect(fund).to_contain_text("250.0 k")
    expect(fund).to_contain_text("priority area")
    shot(page, "investments", height=1400)

    # another anchor's pages are not this user's, and the overview lists only its own anchor
    for path in ("workforce", "investments"):
        response = page.goto(f"/anchors/{other}/{path}")
        assert response is not None and response.status == 403
    page.goto("/overview")
    links = page.locator("#hiring-by-anchor tbody a")
    expect(links).to_have_count(1)
    assert links.first.get_attribute("href") == f"/anchors/{own}/workforce"
    expect(page.locator("#investment-by-anchor tbody a")).to_have_count(1)
