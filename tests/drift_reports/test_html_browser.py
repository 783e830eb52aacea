"""The drift report in a real browser: Debian's headless Chromium (never a downloaded one), driven by Playwright,
with JavaScript off. The page loads with no request but the file itself, the summary and the trend chart are
visible, and a screenshot is kept as a test artifact (clearance-out/test-artifacts/drift-report.png, git-ignored).

Skips when /usr/bin/chromium (or Playwright) is missing, unless CLEARANCE_REQUIRE_SYSTEM_TESTS=1 (CI): then fails.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from reports.drift import write_drift_reports
from tests.drift_reports.sample import build_drift

if TYPE_CHECKING:
    from playwright.sync_api import Route

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
ARTIFACT = ROOT / "clearance-out" / "test-artifacts" / "drift-report.png"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]


def _need(what: str) -> None:
    if os.environ.get("CLEARANCE_REQUIRE_SYSTEM_TESTS") == "1":
        pytest.fail(f"{what} (CLEARANCE_REQUIRE_SYSTEM_TESTS=1: system tests must run)")
    pytest.skip(what)


def test_html_report_in_headless_chromium(tmp_path: Path) -> None:
    if not CHROMIUM.is_file():
        _need(f"{CHROMIUM} is missing: install Debian's chromium package to run the browser test")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _need("playwright is not installed: pip install -c constraints.txt playwright")
    (page_file,) = write_drift_reports(build_drift(), ["html"], tmp_path / "drift")
    url = page_file.resolve().as_uri()
    requests: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, timeout=30_000)
        try:
            context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})

            def guard(route: Route) -> None:  # record every request; only the file itself may load
                requests.append(route.request.url)
                if route.request.url == url:
                    route.continue_()
                else:
                    route.abort()

            context.route("**/*", guard)
            page = context.new_page()
            page.on("request", lambda request: requests.append(request.url))
            page.goto(url, timeout=15_000, wait_until="load")
            summary = page.locator("#summary")
            chart = page.locator("#trend svg")
            assert summary.is_visible() and chart.is_visible()
            for element in (summary, chart, page.locator("#summary .verdict")):
                box = element.bounding_box()
                assert box is not None and box["width"] > 0 and box["height"] > 0
            assert "DRIFT FOUND" in page.locator("#summary .verdict").inner_text()
            # the hostile asset name is text on the page, not markup
            assert page.locator("script").count() == 0
            assert "<script>alert(1)</script>" in page.locator("#configuration").inner_text()
            ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACT), full_page=True)
        finally:
            browser.close()
    print(f"screenshot: {ARTIFACT}")
    assert set(requests) == {url}, f"requests other than the file itself: {sorted(set(requests) - {url})}"
    assert ARTIFACT.stat().st_size > 10_000
