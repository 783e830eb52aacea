"""JUnit XML (the de-facto Ant/Jenkins shape, see reference/ci-formats.md): one testcase per finding.

fail -> <failure type="NON_COMPLIANT">, error -> <error>, unknown / not_applicable / waived -> <skipped>,
pass -> an empty testcase. Built with ElementTree, so attribute and text escaping is correct; characters
that XML 1.0 cannot carry at all (most C0 controls) are replaced first.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from checks.model import Finding, Status
from checks.report import Report
from reports.base import finding_sort_key, register, waiver_text

FAILURE_TYPE = "NON_COMPLIANT"
ERROR_TYPE = "EVALUATION_ERROR"
_SKIPPED = (Status.UNKNOWN, Status.NOT_APPLICABLE, Status.WAIVED)
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean(text: str) -> str:
    """Replace characters XML 1.0 forbids (ElementTree would write them and produce unreadable XML)."""
    return _INVALID_XML.sub("\ufffd", text)


def junit_tree(report: Report) -> ET.Element:
    counts = report.status_counts()
    stats = {
        "tests": str(len(report.findings)),
        "failures": str(counts[Status.FAIL]),
        "errors": str(counts[Status.ERROR]),
        "skipped": str(sum(counts[s] for s in _SKIPPED)),
        "time": "0",
    }
    root = ET.Element("testsuites", {"name": "clearance", **stats})
    suite = ET.SubElement(root, "testsuite", {
        "name": f"clearance:{report.view.value}",
        **stats,
        "timestamp": report.generated_at.isoformat(timespec="seconds"),
    })
    props = ET.SubElement(suite, "properties")
    for name, value in (("target", report.target), ("assets", str(report.asset_count)),
                        ("tool_version", report.tool_version),
                        ("fail_on", report.fail_on.value if report.fail_on else "")):
        ET.SubElement(props, "property", {"name": name, "value": clean(value)})
    for f in sorted(report.findings, key=finding_sort_key):
        _testcase(suite, report, f)
    return root


def _testcase(suite: ET.Element, report: Report, f: Finding) -> None:
    attrs = {"classname": clean(f.control_id), "name": clean(f.asset_name or f.asset_id), "time": "0"}
    if f.location is not None:
        attrs["file"] = clean(f.location.file)
        attrs["line"] = str(f.location.line)
    case = ET.SubElement(suite, "testcase", attrs)
    if f.status is Status.FAIL:
        node = ET.SubElement(case, "failure", {"message": clean(f.message), "type": FAILURE_TYPE})
        node.text = clean(_body(report, f))
    elif f.status is Status.ERROR:
        node = ET.SubElement(case, "error", {"message": clean(f.detail or f.message), "type": ERROR_TYPE})
        node.text = clean(_body(report, f))
    elif f.status is Status.UNKNOWN:
        ET.SubElement(case, "skipped", {"message": clean(f"unknown: {f.detail or f.message}")})
    elif f.status is Status.NOT_APPLICABLE:
        ET.SubElement(case, "skipped", {"message": "not applicable"})
    elif f.status is Status.WAIVED:
        ET.SubElement(case, "skipped", {"message": clean(waiver_text(f))})


def _body(report: Report, f: Finding) -> str:
    lines = [
        f"{f.control_id} ({f.severity.value}) on {f.asset_kind} {f.asset_id}",
        f"message: {f.message}",
    ]
    if f.detail:
        lines.append(f"detail: {f.detail}")
    control = report.controls.get(f.control_id)
    if control is not None and f.status is Status.FAIL:
        lines.append(f"remediation (Pulumi): {control.remediation.pulumi}")
        if control.remediation.cli:
            lines.append(f"remediation (CLI): {control.remediation.cli}")
    return "\n".join(lines)


class JUnitRenderer:
    name = "junit"
    extension = "junit.xml"

    def render(self, report: Report) -> str:
        root = junit_tree(report)
        ET.indent(root)
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


register(JUnitRenderer())
