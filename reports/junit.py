"""JUnit XML in the Apache Ant shape (validated against windyroad's JUnit.xsd, tests/schemas/JUnit.xsd): one
testsuite, one testcase per finding.

fail -> <failure type="NON_COMPLIANT">, error -> <error>, unknown / waived -> <skipped>, pass -> an empty
testcase. Not-applicable results are left out (a control that does not apply to a resource is no test of it); the
suite's `not_applicable` property counts them. The schema allows no `file` or `line` attribute on a testcase, so a
finding's source location is the first line of its failure or error text. `timestamp` is the report's time in UTC
without a zone suffix (the schema's pattern). `time` (seconds, required on the suite and on every testcase): the
suite's is the run's measured duration; a testcase's is its control's measured evaluation time shared evenly over
the resources the control judged (one control is evaluated over all its resources at once; "0" only for results no
control evaluated, such as unread scopes, and for reports that carry no timings). Built with ElementTree, so
attribute and text escaping is correct; characters that XML 1.0 cannot carry at all (most C0 controls) are replaced
first.
"""

from __future__ import annotations

import re
import socket
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import UTC
from xml.sax.saxutils import escape

from checks.model import Finding, Status
from checks.report import Report
from reports.base import register, waiver_text

FAILURE_TYPE = "NON_COMPLIANT"
ERROR_TYPE = "EVALUATION_ERROR"
PACKAGE = "clearance"
NO_DURATION = "0"  # required by the schema: for what no measured time covers
_SKIPPED = (Status.UNKNOWN, Status.WAIVED)
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean(text: str) -> str:
    """Replace characters XML 1.0 forbids (ElementTree would write them and produce unreadable XML)."""
    return _INVALID_XML.sub("\ufffd", text)


def hostname() -> str:
    """This machine's name; `localhost` when it cannot be told (what the schema asks for)."""
    return socket.gethostname().strip() or "localhost"


def timestamp(report: Report) -> str:
    """`2026-05-04T09:30:00`: the report's time in UTC, without a zone suffix (a naive time is taken as UTC)."""
    stamp = report.generated_at
    stamp = stamp.replace(tzinfo=UTC) if stamp.tzinfo is None else stamp.astimezone(UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S")


def junit_tree(report: Report, host: str | None = None) -> ET.Element:
    """The report as an ElementTree element (parsed from `junit_xml`: one writer, one shape)."""
    return ET.fromstring(junit_xml(report, host))


def junit_xml(report: Report, host: str | None = None) -> str:
    """The `<testsuites>` document, indented as `ET.indent` does and escaped as ElementTree escapes (written as
    text directly: building and serialising a tree was most of the time at 100,000 findings)."""
    cases = [f for f in report.sorted_findings if f.status is not Status.NOT_APPLICABLE]
    counts = report.status_counts()
    suite = _start("testsuite", {
        "name": f"clearance:{report.view.value}",
        "package": PACKAGE,
        "id": "0",
        "tests": str(len(cases)),
        "failures": str(counts[Status.FAIL]),
        "errors": str(counts[Status.ERROR]),
        "skipped": str(sum(counts[s] for s in _SKIPPED)),
        "time": seconds(report.duration_seconds),
        "timestamp": timestamp(report),
        "hostname": clean(host or hostname()),
    })
    out = ["<testsuites>", f"\n  {suite}>", "\n    <properties>"]
    for name, value in (("target", report.target), ("assets", str(report.asset_count)),
                        ("tool_version", report.tool_version),
                        ("fail_on", report.fail_on.value if report.fail_on else ""),
                        ("not_applicable", str(counts[Status.NOT_APPLICABLE]))):
        out.append(f"\n      {_start('property', {'name': name, 'value': clean(value)})} />")
    out.append("\n    </properties>")
    judged = Counter(f.control_id for f in report.findings if not f.asset_id.startswith("scope:"))
    for f in cases:
        out.append(_testcase(report, f, _share(report, judged, f)))
    out.append("\n    <system-out />\n    <system-err />\n  </testsuite>\n</testsuites>")
    return "".join(out)


_ATTRIBUTE_ENTITIES = {'"': "&quot;", "\r": "&#13;", "\n": "&#10;", "\t": "&#09;"}


def _attr(text: str) -> str:
    """An attribute value escaped as ElementTree escapes it."""
    return escape(text, _ATTRIBUTE_ENTITIES)


def _text(text: str) -> str:
    """Element text escaped as ElementTree escapes it."""
    return escape(text)


def _start(tag: str, attrs: dict[str, str]) -> str:
    """`<tag a="1" b="2"` (the caller closes it)."""
    return f"<{tag}" + "".join(f' {k}="{_attr(v)}"' for k, v in attrs.items())


def seconds(value: float | None) -> str:
    """A measured time in seconds as the schema's decimal (microseconds kept); NO_DURATION when not measured."""
    return NO_DURATION if value is None else f"{max(value, 0.0):.6f}"


def _share(report: Report, judged: Counter[str], f: Finding) -> str:
    """The testcase's time: its control's evaluation time over the resources that control judged."""
    spent = report.control_seconds.get(f.control_id)
    if spent is None or f.asset_id.startswith("scope:") or not judged[f.control_id]:
        return NO_DURATION
    return seconds(spent / judged[f.control_id])


def _testcase(report: Report, f: Finding, time: str) -> str:
    name = _attr(clean(f.asset_name or f.asset_id))
    head = f'\n    <testcase classname="{_attr(clean(f.control_id))}" name="{name}" time="{time}"'
    if f.status is Status.FAIL:
        child = (f'<failure message="{_attr(clean(f.message))}" type="{FAILURE_TYPE}">'
                 f"{_text(clean(_body(report, f)))}</failure>")
    elif f.status is Status.ERROR:
        child = (f'<error message="{_attr(clean(f.detail or f.message))}" type="{ERROR_TYPE}">'
                 f"{_text(clean(_body(report, f)))}</error>")
    elif f.status is Status.UNKNOWN:
        child = f'<skipped message="{_attr(clean(f"unknown: {f.detail or f.message}"))}" />'
    elif f.status is Status.WAIVED:
        child = f'<skipped message="{_attr(clean(waiver_text(f)))}" />'
    else:
        return head + " />"
    return f"{head}>\n      {child}\n    </testcase>"


def _body(report: Report, f: Finding) -> str:
    lines = [f"location: {f.location}"] if f.location is not None else []
    lines += [
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
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + junit_xml(report) + "\n"


register(JUnitRenderer())
