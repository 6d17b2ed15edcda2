"""Commitments and Tier-2 in a real browser (Playwright + Debian's chromium, as
tests/web/test_browser.py): a supplier returns a quarter's actuals and reports a subcontractor;
the backbone sees both on its Commitments and Tier-2 pages; another supplier sees neither."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from anchorkit.commitments.status import commitment_rows
from anchorkit.records.accounts import add_user
from tests.web.conftest import PASSWORD
from tests.web.test_browser import (  # noqa: F401
    LiveServer,
    browser,
    log_in,
    page,
    serve_demo_copy,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live(
    request: pytest.FixtureRequest,
    browser: Browser,  # noqa: F811
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[LiveServer]:
    yield from serve_demo_copy(request, tmp_path_factory, "commitments-browser")


def test_supplier_returns_actuals_and_tier2_backbone_sees_them(
    page: Page,  # noqa: F811
    live: LiveServer,
) -> None:
    site = live.site
    rows = commitment_rows(site.ws)
    mine = rows[0]
    other = next(r for r in rows if r["supplier_id"] != mine["supplier_id"])
    db = site.app.state.anchorkit.db  # type: ignore[attr-defined]
    add_user(db, "prime@test.org", "supplier", PASSWORD, supplier_id=mine["supplier_id"])
    add_user(db, "rival@test.org", "supplier", PASSWORD, supplier_id=other["supplier_id"])
    quarter = mine["period"][-1]

    log_in(page, "prime", next_="/commitments")
    expect(page.locator("#commitments")).to_contain_text(mine["contract_id"])
    expect(page.locator("#commitments")).not_to_contain_text(other["contract_id"])
    form = page.locator("#actuals-form")
    form.get_by_label("Contract").select_option(mine["contract_id"])
    form.get_by_label("Measure").select_option(f"{mine['framework']}/{mine['measure']}")
    form.get_by_label("Quarter returned").fill(quarter)
    form.get_by_label("Delivered this quarter").fill("42.5")
    form.get_by_label("Evidence").fill("browser-timesheets.pdf")
    form.get_by_role("button", name="Record the return").click()
    expect(page.locator("#message")).to_contain_text(f"Return recorded: {mine['measure']}")
    page.goto("/tier2")
    tier2 = page.locator("#tier2-form")
    tier2.get_by_label("For the anchor").select_option(mine["anchor"])
    tier2.get_by_label("Fiscal year").fill("2024")
    tier2.get_by_label("Subcontractor").fill("Quillfeather Browser Subcontracting")
    tier2.get_by_label("Amount spent").fill("4321")
    tier2.get_by_label("What it is").select_option("women_owned")
    tier2.get_by_role("button", name="Record").click()
    expect(page.locator("#returns")).to_contain_text("Quillfeather Browser Subcontracting")
    page.get_by_role("button", name="Log out").click()

    log_in(page, "admin", next_="/commitments")
    expect(page.locator("#commitments")).to_contain_text(mine["contract_id"])
    got = next(
        r
        for r in commitment_rows(site.ws)
        if (r["contract_id"], r["measure"]) == (mine["contract_id"], mine["measure"])
    )
    assert {"quarter": quarter, "quantity": 42.5} in [
        {"quarter": x["quarter"], "quantity": x["quantity"]} for x in got["returns"]
    ]
    page.goto("/tier2")
    expect(page.locator("#returns")).to_contain_text("Quillfeather Browser Subcontracting")
    expect(page.locator("#tracker")).to_be_visible()
    # the first framework page after a write recomputes every measure (slow on a shared machine)
    page.goto("/frameworks?name=han-ipc", timeout=90_000)
    expect(page.locator("#measure-ipc-tier2-top20")).to_contain_text("computed")
    page.get_by_role("button", name="Log out").click()

    log_in(page, "rival", next_="/tier2")
    expect(page.locator("#returns")).not_to_contain_text("Quillfeather Browser Subcontracting")
    page.goto("/commitments")
    expect(page.locator("body")).not_to_contain_text(mine["contract_id"])
