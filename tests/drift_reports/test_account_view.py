"""The account view of the drift report (issue 14): with findings in two or more accounts, drift.html lists them worst
first with a sparkline of each one's stored runs and a link to its findings, drift.json and drift.md carry the same
rollup; with one account nothing changes. Without a state (an organization-wide report merged from shards) every
format says configuration drift was not compared, and configuration never counts as drift."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from typing import Any

import pytest

from checks.drift.model import ComplianceDrift, DriftReport, TrendPoint
from checks.flows.drift import _account_trend
from checks.model import Severity, Status
from reports.drift.chart import SPARK_HEIGHT, SPARK_PAD, sparkline_svg
from reports.drift.common import NOT_COMPARED, SEVERITY_COLOURS, account_rows
from reports.drift.evidence import evidence
from reports.drift.html import MAX_ACCOUNT_FINDINGS, MAX_ROWS, render_html
from reports.drift.json import render_json
from reports.drift.markdown import MAX_ACCOUNT_ROWS, render_drift_markdown
from tests.drift_reports.sample import AT, CONTROLS, FINDINGS, HISTORY, KEY, SG, build_drift, finding

A1, A2, A3, A4 = "111111111111", "222222222222", "333333333333", "444444444444"
# sample FINDINGS in order: NET-01 fail (critical), KEY-01 fail (high), S3-01 fail (high), S3-01 pass,
# RDS-02 fail (medium), TAG-01 fail (low), TAG-01 waived
OWNERS = (A2, A1, A1, A1, A1, A2, A1)
ALLOWED_URLS = {"http://www.w3.org/2000/svg",   # the trend chart's SVG namespace: a name, never fetched
                "http://evil.example"}          # text of the sample's hostile bucket name, escaped, not a link


def point(i: int, failing: dict[Severity, int], days: int) -> TrendPoint:
    return TrendPoint(f"run-{i}", AT - dt.timedelta(days=days), failing)


TRENDS = {
    A2: (point(5, {Severity.CRITICAL: 1, Severity.LOW: 1}, 0),      # given newest first: sorted oldest first
         point(3, {Severity.LOW: 1}, 14),
         point(4, {Severity.CRITICAL: 2, Severity.LOW: 1}, 7)),
    A1: (point(1, {Severity.HIGH: 1}, 7), point(2, {Severity.HIGH: 2, Severity.MEDIUM: 1}, 0)),
}


def org_drift(**changes: Any) -> DriftReport:
    """Four accounts: A2 has the critical failure, A1 high ones, A3 and A4 only an error each; one finding has no
    account (left out of the rollup)."""
    owned = [dataclasses.replace(f, account=a, region="eu-west-1") for f, a in zip(FINDINGS, OWNERS, strict=True)]
    errors = [dataclasses.replace(finding("KEY-01", Status.ERROR, KEY, "could not read the key"), account=a,
                                  fingerprint=f"err-{a}") for a in (A4, A3)]
    orphan = finding("NET-01", Status.FAIL, SG, "no account")
    base = build_drift()
    report = dataclasses.replace(base.report, findings=(*owned, *errors, orphan))
    return dataclasses.replace(base, report=report, **{"account_trend": TRENDS, **changes})


def accounts_table(page: str) -> str:
    start = page.index('<section id="accounts"')
    return page[start:page.index("</table>", start)]


def test_accounts_section_lists_accounts_worst_first_with_counts() -> None:
    page = render_html(org_drift())
    assert '<a href="#accounts">Accounts</a>' in page
    table = accounts_table(page)
    assert re.findall(r'href="#acct-(\d+)"', table) == [A2, A1, A3, A4]
    rows = {a: [int(n) for n in re.findall(r'<td class="num">(\d+)</td>', row)]
            for a, row in re.findall(r'<tr><td class="mono"><a href="#acct-(\d+)">.*?</a></td>(.*?)</tr>', table)}
    # critical, high, medium, low, errors, pass
    assert rows == {A2: [1, 0, 0, 1, 0, 0], A1: [0, 2, 1, 0, 0, 1], A3: [0, 0, 0, 0, 1, 0],
                    A4: [0, 0, 0, 0, 1, 0]}
    assert "<dt>Accounts</dt><dd>4 (" in page


def test_each_account_links_to_its_own_failing_and_error_findings() -> None:
    page = render_html(org_drift())
    for account in (A1, A2, A3, A4):
        assert f'<details id="acct-{account}">' in page
    a2 = page[page.index(f'<details id="acct-{A2}">'):]
    a2 = a2[:a2.index("</details>")]
    assert "2 failing findings, 0 errors" in a2
    assert re.findall(r"<strong>([A-Z0-9-]+)</strong>", a2) == ["NET-01", "TAG-01"]   # most severe first
    a1 = page[page.index(f'<details id="acct-{A1}">'):]
    a1 = a1[:a1.index("</details>")]
    assert "Bucket blocks public access" not in a1 and "Owned by the data team" not in a1   # pass, waived: not listed
    a3 = page[page.index(f'<details id="acct-{A3}">'):]
    assert "could not read the key" in a3[:a3.index("</details>")]


def test_sparklines_come_from_the_account_trend() -> None:
    page = render_html(org_drift())
    table = accounts_table(page)
    assert table.count('<svg class="spark"') == 2            # A2 and A1 have stored runs
    assert table.count("no stored runs") == 2                # A3 and A4 have none
    a2_row = table[table.index(f'href="#acct-{A2}"'):]
    a2_row = a2_row[:a2_row.index("</tr>")]
    assert (f"account {A2}: failing findings in 3 stored runs: 1 then 2 in the latest (2026-05-04 09:30 UTC)"
            in a2_row)
    assert len(re.search(r'<polyline points="([^"]+)"', a2_row)[1].split()) == 3  # type: ignore[index]


def test_sparkline_geometry_and_colour() -> None:
    svg = sparkline_svg(TRENDS[A2], "account x")
    xy = [tuple(map(float, p.split(","))) for p in re.search(r'points="([^"]+)"', svg)[1].split()]  # type: ignore[index]
    xs, ys = [x for x, _ in xy], [y for _, y in xy]
    assert xs == sorted(xs) and len(set(xs)) == 3                      # oldest run on the left
    assert ys[1] == SPARK_PAD
    assert ys[0] == pytest.approx(SPARK_HEIGHT - SPARK_PAD - (SPARK_HEIGHT - 2 * SPARK_PAD) / 3, abs=0.05)
    assert f'stroke="{SEVERITY_COLOURS[Severity.CRITICAL]}"' in svg     # the latest run still fails a critical
    assert "<script" not in svg and "href" not in svg and "xmlns" not in svg
    one = sparkline_svg(TRENDS[A2][:1], "account <x>")
    assert "<polyline" not in one and "<circle" in one and "account &lt;x&gt;" in one
    assert sparkline_svg((), "account x") == ""
    clean = sparkline_svg((point(1, {}, 0), point(2, {}, 1)), "clean")
    assert 'stroke="#15803d"' in clean and "<title>clean: failing findings in 2 stored runs: 0 then 0" in clean


def test_self_contained_with_accounts() -> None:
    page = render_html(org_drift())
    assert "<script" not in page.lower()
    assert not re.search(r"\bsrc\s*=|<link\b|url\(|@import|<img\b|<iframe\b|<object\b", page, re.IGNORECASE)
    links = re.findall(r"\b(?:href|action|poster|data|xlink:href)\s*=\s*\"([^\"]*)\"", page, re.IGNORECASE)
    assert links and all(link.startswith("#") for link in links)
    assert set(re.findall(r"https?://[^\s\"'<>&]+", page)) <= ALLOWED_URLS
    assert page.count("xmlns=") == 1                             # the sparklines need no namespace inline
    # every in-page link has its target
    targets = set(re.findall(r'\bid="([^"]+)"', page))
    assert {link[1:] for link in links} <= targets


def test_no_account_view_with_one_account_or_none() -> None:
    one = org_drift()
    one = dataclasses.replace(one, report=dataclasses.replace(
        one.report, findings=tuple(dataclasses.replace(f, account=A1) for f in one.report.findings)))
    for drift in (build_drift(), one):
        page = render_html(drift)
        assert 'id="accounts"' not in page and 'href="#acct-' not in page and 'class="spark"' not in page
        assert "<th>Account</th>" not in page
        assert "accounts" not in json.loads(render_json(drift))
        assert "### Accounts" not in render_drift_markdown(drift)


def test_compliance_and_evidence_rows_name_their_account() -> None:
    page = render_html(org_drift())
    compliance = page[page.index('<section id="compliance"'):page.index('<section id="rules"')]
    assert compliance.count("<th>Account</th>") == 4
    assert f'<td class="mono">{A2}</td>' in compliance and f'<td class="mono">{A1}</td>' in compliance
    ev = page[page.index('<section id="evidence"'):]
    assert f'<td class="mono">{A1}</td>' in ev and f'<td class="mono">{A2}</td>' in ev


def test_evidence_stays_organization_wide() -> None:
    drift = org_drift()
    rows = [a for fw in evidence(drift) for r in fw.requirements for c in r.controls for a in c.assets]
    mapped = {cid: sum(len(refs) for refs in CONTROLS[cid].frameworks.values()) for cid in CONTROLS}
    assert len(rows) == sum(mapped[f.control_id] for f in drift.report.findings)   # every account, no account too
    assert {a.status for a in rows} >= {"fail", "pass", "error", "waived"}


def test_account_lists_are_capped() -> None:
    drift = org_drift()
    many = tuple(dataclasses.replace(f, account=f"{i:012d}", fingerprint=f"fp-{i}")
                 for i, f in enumerate([drift.report.findings[5]] * (MAX_ROWS + 3)))   # one low failure each
    lots = tuple(dataclasses.replace(drift.report.findings[1], account=A1, fingerprint=f"lot-{i}")
                 for i in range(MAX_ACCOUNT_FINDINGS + 5))
    big = dataclasses.replace(drift, report=dataclasses.replace(drift.report, findings=(*lots, *many)))
    page = render_html(big)
    table = accounts_table(page)
    assert table.count('href="#acct-') == MAX_ROWS
    assert f"… and {MAX_ROWS + 4 - MAX_ROWS} more accounts (all are in drift.json)." in page
    assert re.findall(r'href="#acct-(\d+)"', table)[0] == A1   # 105 high failures: the worst
    assert "… and 5 more of this account (all are in drift.json)." in page
    md = render_drift_markdown(big)
    assert md.count(f"| `{A1}` |") == 1 and f"### Accounts ({MAX_ROWS + 4}, worst first)" in md
    assert f"_... and {MAX_ROWS + 4 - MAX_ACCOUNT_ROWS} more accounts (all are in drift.json)_" in md
    assert len(json.loads(render_json(big))["accounts"]) == MAX_ROWS + 4


def test_json_accounts_rollup() -> None:
    doc = json.loads(render_json(org_drift()))
    assert [a["account"] for a in doc["accounts"]] == [A2, A1, A3, A4]
    first = doc["accounts"][0]
    assert list(first) == ["account", "failing", "failing_total", "errors", "passes", "statuses", "trend"]
    assert first["failing"] == {"critical": 1, "high": 0, "medium": 0, "low": 1} and first["failing_total"] == 2
    assert first["statuses"]["fail"] == 2 and sum(first["statuses"].values()) == 2
    assert [p["run_id"] for p in first["trend"]] == ["run-3", "run-4", "run-5"]
    assert [p["total"] for p in first["trend"]] == [1, 3, 2]
    a1 = doc["accounts"][1]
    assert (a1["passes"], a1["statuses"]["waived"], a1["errors"]) == (1, 1, 0)
    assert doc["accounts"][2]["trend"] == [] and doc["accounts"][2]["errors"] == 1
    assert "compared" not in doc["configuration_drift"]


def test_markdown_accounts_table() -> None:
    md = render_drift_markdown(org_drift())
    table = md[md.index("### Accounts (4, worst first)"):]
    assert re.findall(r"^\| `(\d+)` \|", table, re.MULTILINE) == [A2, A1, A3, A4]
    assert f"| `{A2}` | 1 | 0 | 0 | 1 | 0 | 0 | 1 → 2 (3 runs) |" in table
    assert f"| `{A3}` | 0 | 0 | 0 | 0 | 1 | 0 |  |" in table


def test_rollup_reads_findings_without_an_account_field() -> None:
    @dataclasses.dataclass(frozen=True)
    class OldFinding:     # a finding of a model before accounts: no `account` attribute at all
        severity: Severity
        status: Status

    drift = build_drift()
    old = dataclasses.replace(drift, report=dataclasses.replace(
        drift.report, findings=(OldFinding(Severity.HIGH, Status.FAIL),)))  # type: ignore[arg-type]
    assert account_rows(old) == []
    assert [r.account for r in account_rows(org_drift())] == [A2, A1, A3, A4]


def not_compared(**changes: Any) -> DriftReport:
    return build_drift(configuration_compared=False, stacks=(), **changes)


def test_not_compared_is_said_in_every_format() -> None:
    drift = not_compared(compliance=ComplianceDrift(), unreviewed=())
    assert not drift.drift_found()
    page = render_html(drift)
    assert "Configuration drift not compared: no state given (--state)." in page
    assert "NO DRIFT: no new or regressed failing findings; configuration drift not compared: no state given " \
           "(--state)" in page
    assert "assets in sync" not in page and "<h3>Changed (" not in page and "Coverage by kind" not in page
    assert '<span class="tag">no compliance drift</span>' in page
    assert 'class="l">changed<' not in page and 'class="l">in sync<' not in page
    md = render_drift_markdown(drift)
    assert "**Result: NO COMPLIANCE DRIFT**" in md and "Configuration drift not compared: no state given (--state)." \
        in md
    assert "| configuration | not compared (no state given) |" in md
    assert "### Changed" not in md and "| in sync |" not in md
    doc = json.loads(render_json(drift))
    assert doc["summary"]["drift_found"] is False
    assert doc["summary"]["verdict"].startswith("NO DRIFT: ") and NOT_COMPARED in doc["summary"]["verdict"]
    assert doc["configuration_drift"]["compared"] is False and NOT_COMPARED in doc["notes"]


def test_not_compared_with_compliance_drift() -> None:
    drift = not_compared()
    assert drift.drift_found()   # the new and regressed failures and unreviewed rules still count
    text = render_html(drift)
    assert ("DRIFT FOUND: 2 new and 2 regressed failing findings; 2 unreviewed security-group rules; "
            f"{NOT_COMPARED}") in text
    assert "3 changed" not in text


def test_drift_found_ignores_configuration_when_not_compared() -> None:
    quiet = {"compliance": ComplianceDrift(), "unreviewed": ()}
    assert build_drift(**quiet).drift_found()                        # the sample's configuration drift counts
    assert not build_drift(configuration_compared=False, **quiet).drift_found()
    new_only = ComplianceDrift(items=HISTORY[:1])
    assert build_drift(configuration_compared=False, compliance=new_only, unreviewed=()).drift_found()
    high_only = ComplianceDrift(items=(HISTORY[2],))   # KEY-01 regressed, high
    assert not build_drift(configuration_compared=False, compliance=high_only,
                           unreviewed=()).drift_found(Severity.CRITICAL)
    assert build_drift(compliance=high_only, unreviewed=()).drift_found(Severity.CRITICAL)   # compared: it counts


def test_defaults_keep_old_reports_as_they_were() -> None:
    drift = build_drift()
    assert drift.configuration_compared is True and dict(drift.account_trend) == {}
    assert DriftReport(report=drift.report, configuration=drift.configuration,
                       compliance=drift.compliance).account_trend == {}


def test_flow_passes_the_store_account_trend_on_when_the_store_has_it() -> None:
    class Old:
        pass

    class New:
        def __init__(self) -> None:
            self.asked: list[str] = []

        def account_trend(self, target: str, limit: int = 30) -> dict[str, tuple[TrendPoint, ...]]:
            self.asked.append(target)
            return {A1: TRENDS[A1]}

    store = New()
    assert _account_trend(store, "account 1 (eu-west-1)") == {A1: TRENDS[A1]}
    assert store.asked == ["account 1 (eu-west-1)"]
    assert _account_trend(Old(), "t") == {}

