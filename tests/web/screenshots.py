"""The tutorial's screenshots: its workspace served, its pages shot with Debian's chromium.

Called by tests/test_tutorial.py with ``ANCHORKIT_SCREENSHOTS=1`` once the tutorial's commands
have run: the pages a new user reads first after ``anchorkit serve`` (overview, suppliers,
opportunities, the categories to check, local impact), as docs/tutorial.md shows them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import sync_playwright

from anchorkit.web.app import create_app
from anchorkit.workspace import Workspace
from tests.web.test_browser import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS, WIDTH, LiveServer

#: the account docs/tutorial.md creates
LOGIN = ("you@example.org", "a long passphrase nobody guesses")
PAGES = {  # screenshot name → address (and the height kept of a long page)
    "tutorial-overview": ("/overview", None),
    "tutorial-suppliers": ("/suppliers", 1400),
    "tutorial-opportunities": ("/opportunities", 1800),
    "tutorial-categories": ("/anchors/1/categories", 1400),
    "tutorial-impact": ("/impact", None),
}


@dataclass
class _Served:
    app: object


def take_screenshots(root: Path) -> list[Path]:
    written = []
    with Workspace.open(root) as ws:
        app = create_app(ws)
        server = LiveServer(_Served(app))  # type: ignore[arg-type]
        server.start()
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
                context = browser.new_context(
                    base_url=server.url, viewport={"width": WIDTH, "height": 800}, locale="en-GB"
                )
                page = context.new_page()
                page.goto("/login?next=/overview")
                page.get_by_label("Email").fill(LOGIN[0])
                page.get_by_label("Password").fill(LOGIN[1])
                page.get_by_role("button", name="Log in").click()
                page.wait_for_load_state("load")
                SCREENSHOTS.mkdir(parents=True, exist_ok=True)
                for name, (address, height) in PAGES.items():
                    page.goto(address)
                    page.wait_for_load_state("networkidle")
                    path = SCREENSHOTS / f"{name}.png"
                    full = page.evaluate("document.documentElement.scrollHeight")
                    clip = (
                        {"x": 0, "y": 0, "width": WIDTH, "height": height}
                        if height and full > height
                        else None
                    )
                    page.screenshot(path=str(path), full_page=True, clip=clip)  # type: ignore[arg-type]
                    written.append(path)
                browser.close()
        finally:
            server.stop()
            app.state.anchorkit.close()  # type: ignore[attr-defined]
    return written
