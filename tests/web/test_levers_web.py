"""The other two levers on the dashboard, in reports and in open data: who sees what."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from pathlib import Path

from typer.testing import CliRunner

from anchorkit.cli import app
from anchorkit.reports.build import build_report, render_report
from anchorkit.views.store import Store
from tests.web.conftest import Site
from tests.workforce.helpers import HOSPITAL_2024

PEOPLE = "Employee ID,Last Name,Postal Code,Hire Date\n1,Lee,M5V 2T6,2020-01-01\n2,Roy,M1B 0A5,2021-01-01\n"
REGISTER = "Investee,Type,Amount,Postal code,Flags\nJane-Finch Community Loan Fund,Loan,300000,M3N 1A1,CDFI\n"


def _post(client: object, url: str, name: str, text: str, **form: str) -> object:
    return client.post(  # type: ignore[attr-defined]
        url,
        data={"csrf_token": client.csrf, **form},  # type: ignore[attr-defined]
        files={"file": (name, io.BytesIO(text.encode()), "text/csv")},
    )


def test_an_anchor_uploads_its_files_and_sees_its_own_figures_only(fresh_site: Site) -> None:
    site = fresh_site
    own, other = site.anchors["own"], site.anchors["other"]
    anchor = site.client("anchor")
    page = _post(anchor, f"/anchors/{own}/workforce", "hospital.csv", HOSPITAL_2024, period="2025")
    assert page.status_code == 200, page.text  # type: ignore[attr-defined]
    text = page.text  # type: ignore[attr-defined]
    assert "8 rows loaded, 3 rejected" in text and "kind &#39;Janitors&#39;" in text
    assert 'id="workforce-by-year"' in text and "<td>2025</td>" in text
    refused = _post(anchor, f"/anchors/{own}/workforce", "people.csv", PEOPLE, period="2025")
    assert refused.status_code == 422 and "looks like a list of people" in refused.text  # type: ignore[attr-defined]
    kept = [p.name for p in (site.root / "uploads" / "workforce").rglob("*") if p.is_file()]
    assert "people.csv" not in kept and "hospital.csv" in kept
    money = _post(anchor, f"/anchors/{own}/investments", "register.csv", REGISTER)
    assert money.status_code == 200 and "Jane-Finch Community Loan Fund" in money.text  # type: ignore[attr-defined]
    # another anchor's pages and uploads are not this user's
    assert anchor.get(f"/anchors/{other}/workforce").status_code == 403
    assert anchor.get(f"/anchors/{other}/investments").status_code == 403
    assert _post(anchor, f"/anchors/{other}/workforce", "h.csv", HOSPITAL_2024).status_code == 403  # type: ignore[attr-defined]
    hiring = anchor.get("/api/v1/hiring").json()
    assert {r["anchor_id"] for r in hiring["by_anchor"]} == {own}
    assert all(h["anchor_id"] in (None, own) for h in hiring["groups"])
    invest = anchor.get("/api/v1/investment").json()
    assert {r["anchor_id"] for r in invest["by_anchor"]} == {own}
    assert {h["anchor_id"] for h in invest["holdings"]} == {own}
    other_user = site.client("other_anchor")
    theirs = other_user.get("/api/v1/hiring").json()
    assert own not in {r["anchor_id"] for r in theirs["by_anchor"]}
    assert "Jane-Finch" not in other_user.get("/overview").text
    analyst = site.client("analyst")
    assert own in {r["anchor_id"] for r in analyst.get("/api/v1/hiring").json()["by_anchor"]}
    for c in (anchor, other_user, analyst):
        c.close()


def test_pages_show_the_levers(site: Site) -> None:
    admin = site.client("admin")
    overview = admin.get("/overview").text
    assert 'id="hiring"' in overview and 'id="investment"' in overview
    assert "New hires living locally" in overview and "Invested locally" in overview
    community = admin.get("/community").text
    assert 'id="neighbourhoods"' in community and "Low-income rate" in community
    assert "Fictional demo figures" in community
    # a population reads as a whole number ("30,190"), never "30190.0"; a rate keeps its decimals
    assert re.search(r'<td class="num">\d{1,3},\d{3}</td>', community)
    assert not re.search(r'<td class="num">\d{4,}\.0</td>', community)
    anchor_page = admin.get(f"/anchors/{site.anchors['own']}").text
    assert 'id="hiring"' in anchor_page and "/workforce" in anchor_page
    admin.close()


def test_reports_and_open_data_carry_the_levers_with_suppression(
    demo_template: Path, tmp_path: Path
) -> None:
    root = tmp_path / "net"
    shutil.copytree(demo_template, root)
    out = tmp_path / "open"
    done = CliRunner().invoke(app, ["-w", str(root), "publish", "--out", str(out)])
    assert done.exit_code == 0, done.output
    names = {r["name"] for r in json.loads((out / "datapackage.json").read_text())["resources"]}
    assert {"hiring", "investment"} <= names
    rows = list(csv.DictReader((out / "hiring.csv").read_text(encoding="utf-8").splitlines()))
    assert rows and all(r["staff"] == "" or int(r["staff"]) >= 10 for r in rows)
    assert all(r["local_hire_share"] == "" or 0 <= float(r["local_hire_share"]) <= 1 for r in rows)
    money = list(csv.DictReader((out / "investment.csv").read_text(encoding="utf-8").splitlines()))
    assert money and all(r["suppressed"] in ("True", "False") for r in money)
    assert all(r["portfolio"] == "" for r in money if r["suppressed"] == "True")
    from anchorkit.workspace import Workspace

    with Workspace.open(root) as ws:
        store = Store(ws)
        try:
            html = render_report(build_report(store), "html").decode()
            assert 'id="levers"' in html and "New hires living locally" in html
            assert "Invested locally" in html
            scorecard = build_report(store, anchor=ws.anchors()[0].name)
            assert scorecard.levers["hiring"] is not None
        finally:
            store.close()
