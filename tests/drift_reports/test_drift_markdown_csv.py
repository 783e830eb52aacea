"""drift.md (verdict first, escaped, under the size limit) and evidence.csv (one row per framework, requirement,
control and asset; secrets "****"; formula injection guarded)."""

from __future__ import annotations

import csv
import dataclasses
import io

from reports.drift.csv import COLUMNS, render_csv, safe_cell
from reports.drift.markdown import render_drift_markdown
from tests.drift_reports.sample import DB_PASSWORD, FORMULA, TOKEN, XSS, build_drift
from tests.drift_reports.test_drift_scale import big_drift
from tests.reports.conftest import partly_evidenced


def test_markdown_verdict_first_and_escaped() -> None:
    text = render_drift_markdown(build_drift())
    assert text.splitlines()[0] == ("## clearance drift: DRIFT FOUND: 3 changed, 2 missing, 2 unmanaged; 2 new and "
                                    "2 regressed failing findings; 2 unreviewed security-group rules")
    assert XSS not in text and "\\<script\\>alert(1)\\</script\\>" in text
    assert "| db-main (`rds.db_instance`) | `master_password` | secret, not compared | secret, not compared |" in text
    assert ("| critical | **NET-01** | web-sg (`ec2.security_group`) | 2026-05-04T09:30+00:00 | "
            "2026-05-04T09:30+00:00 |") in text
    assert "- **soc2** SOC 2 (2017 Trust Services Criteria): 7 requirements: 4 fail, 3 manual" in text
    assert DB_PASSWORD not in text and TOKEN not in text


def test_markdown_is_cut_to_the_budget() -> None:
    text = render_drift_markdown(big_drift(), max_bytes=64 * 1024)
    assert len(text.encode()) <= 64 * 1024
    assert text.startswith("## clearance drift: DRIFT FOUND: 1000 changed;")
    assert "the full lists are in drift.json and evidence.csv._" in text


def rows() -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(render_csv(build_drift()))))


def test_csv_columns_and_one_row_per_framework_requirement_control_asset() -> None:
    text = render_csv(build_drift())
    assert text.splitlines()[0] == ",".join(COLUMNS)
    got = rows()
    assert len(got) == 13
    key = {(r["framework"], r["requirement"], r["control"], r["asset_id"]) for r in got}
    assert len(key) == len(got)
    assert got[0] == {
        "framework": "nist_800_53", "requirement": "AC-6", "requirement_title": "Least Privilege",
        "control": "RDS-02", "control_title": "RDS master passwords are managed by Secrets Manager", "status": "fail",
        "asset_kind": "rds.db_instance", "asset_id": "arn:aws:rds:eu-west-1:123456789012:db:main",
        "asset_name": "db-main",
        "evidence": "manage_master_user_password=false; master_password=****; auth.token=****",
        "evaluated_at": "2026-05-04T09:30:00+00:00", "requirement_evidence": "full",
    }
    manual = [r for r in got if r["status"] == "manual"]
    assert [r["requirement"] for r in manual] == ["IR-4", "CC6.3", "CC7.3", "CC9.2"]
    assert all(r["control"] == "" and r["asset_id"] == "" for r in manual)


def test_csv_never_prints_a_secret() -> None:
    text = render_csv(build_drift())
    assert DB_PASSWORD not in text and TOKEN not in text


def test_csv_formula_injection_is_guarded() -> None:
    named = [r for r in rows() if r["asset_id"] == "arn:aws:s3:::formula"]
    assert named and all(r["asset_name"] == "'" + FORMULA for r in named)
    assert [safe_cell(c) for c in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "ok", "a=b", "")] == [
        "'=1+1", "'+1", "'-1", "'@SUM(A1)", "'\tx", "ok", "a=b", ""]


def test_csv_hostile_name_is_plain_text() -> None:
    assert any(r["asset_name"] == XSS for r in rows())


def test_csv_says_when_a_requirement_is_only_partly_evidenced() -> None:
    drift = build_drift()
    partly = dataclasses.replace(drift, report=dataclasses.replace(drift.report, frameworks=partly_evidenced()))
    got = list(csv.DictReader(io.StringIO(render_csv(partly))))
    cc63 = [r for r in got if (r["framework"], r["requirement"]) == ("soc2", "CC6.3")]
    assert cc63 and all(r["requirement_evidence"] == "partial: roles are checked, not who holds them" for r in cc63)
    assert {r["requirement_evidence"] for r in got if r["framework"] == "nist_800_53"} == {"full"}
