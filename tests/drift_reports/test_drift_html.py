"""drift.html: self-contained (no external reference, no script), escaped, secrets never printed, every section."""

from __future__ import annotations

import re
import time

from checks.drift.model import ComplianceDrift, ConfigurationDrift
from reports.drift.chart import nice_step, trend_svg
from reports.drift.html import MAX_ROWS, render_html
from tests.drift_reports.sample import DB_PASSWORD, TOKEN, TREND, XSS, build_drift
from tests.drift_reports.test_drift_scale import big_drift


def test_self_contained_without_script() -> None:
    page = render_html(build_drift())
    assert "<script" not in page.lower()
    # nothing the browser would fetch: no src=, <link>, url() or @import, and every link is an anchor in the page
    assert not re.search(r"\bsrc\s*=|<link\b|url\(|@import|<img\b|<iframe\b|<object\b", page, re.IGNORECASE)
    links = re.findall(r"\b(?:href|action|poster|data)\s*=\s*\"([^\"]*)\"", page, re.IGNORECASE)
    assert links and all(link.startswith("#") for link in links)
    assert "default-src 'none'" in page


def test_hostile_name_stays_text() -> None:
    page = render_html(build_drift())
    assert XSS not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_secrets_never_printed() -> None:
    page = render_html(build_drift())
    assert DB_PASSWORD not in page and TOKEN not in page
    assert "secret, not compared" in page
    assert "master_password=****; auth.token=****" in page


def test_sections_and_verdict() -> None:
    page = render_html(build_drift())
    for anchor in ("summary", "trend", "configuration", "compliance", "rules", "waivers", "evidence"):
        assert f'<section id="{anchor}"' in page
    assert ("DRIFT FOUND: 3 changed, 2 missing, 2 unmanaged; 2 new and 2 regressed failing findings; "
            "2 unreviewed security-group rules") in page
    assert "clearance sg review infra --reviewer &lt;you&gt; --fingerprint 1fca02ed28a2dc65" in page
    assert "waiver for S3-01 on old-bucket expired on 2026-01-31" in page
    assert "Owned by the data team" in page and "2026-09-30" in page
    assert 'href="#ev-KEY-01"' in page and 'id="ev-KEY-01"' in page
    assert "manager=customer; rotation.enabled=false" in page
    assert "2026-04-20 09:30 UTC" in page  # a first-seen time


def test_no_drift_page() -> None:
    page = render_html(build_drift(configuration=ConfigurationDrift(), compliance=ComplianceDrift(), unreviewed=()))
    assert "NO DRIFT: 0 assets in sync; no new or regressed failing findings" in page
    assert 'class="verdict good"' in page


def test_chart_has_title_desc_legend_and_one_bar_per_run() -> None:
    svg = trend_svg(TREND)
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert '<title id="trend-title">Failing findings by severity per run</title>' in svg
    assert ("<desc id=\"trend-desc\">3 stored runs from 2026-04-20 09:30 to 2026-05-04 09:30 UTC. Failing findings "
            "went from 6 to 5; the latest run has 1 critical, 2 high, 1 medium, 1 low.</desc>") in svg
    assert all(f">{s}</text>" in svg for s in ("critical", "high", "medium", "low"))   # legend
    assert ">failing findings</text>" in svg and ">stored run (UTC)</text>" in svg   # axis labels
    assert svg.count("<rect") == 4 + 4 + 4 + 3   # legend + non-zero segments (run-0 has no critical)


def test_chart_with_one_point_and_none() -> None:
    one = trend_svg(TREND[:1])
    assert "<rect" in one and "1 stored run from" in one
    assert "no stored runs yet" in trend_svg(())


def test_nice_steps() -> None:
    assert [nice_step(n) for n in (0, 3, 7, 12, 48, 230, 2999)] == [1, 1, 2, 5, 10, 50, 1000]


def test_long_tables_are_capped_with_a_count() -> None:
    page = render_html(big_drift(assets=MAX_ROWS + 40, findings=4 * (MAX_ROWS + 7)))
    assert "… and 40 more changed assets (all are in drift.json)." in page
    assert page.count("… and 7 more (all are in drift.json).") == 4   # one per compliance transition


def test_html_render_time_for_a_large_report() -> None:
    drift = big_drift(assets=1000, findings=3000)
    start = time.perf_counter()
    page = render_html(drift)
    elapsed = time.perf_counter() - start
    print(f"drift.html for 1,000 assets / 3,000 findings: {elapsed:.2f} s, {len(page.encode()) / 1e6:.1f} MB")
    assert elapsed < 20
    # evidence complete: every failing finding once, under its control
    assert page.count('class="badge fail">fail</span></td><td>bucket-') == 1500


def test_evidence_view_marks_partly_evidenced_requirements() -> None:
    import dataclasses

    from tests.reports.conftest import partly_evidenced

    drift = build_drift()
    html = render_html(dataclasses.replace(drift, report=dataclasses.replace(drift.report,
                                                                              frameworks=partly_evidenced())))
    row = next(line for line in html.splitlines() if '<td class="mono">CC6.3</td>' in line)
    assert "partial evidence: roles are checked, not who holds them" in row
    assert "partial evidence" not in render_html(drift)
