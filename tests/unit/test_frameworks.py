"""Meta-tests of the catalog's framework mapping, and the framework loader's error messages.

The mapping must stay honest both ways: every requirement that is not `manual` is backed by a control, no control
references a `manual` requirement, every control backs a requirement of some framework and a claim of the security
statement, and every claim a control quotes is a claim of the statement.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

import pytest

from checks.catalog.controls import Control, Remediation
from checks.catalog.expressions import Expression
from checks.catalog.frameworks import Evidence, load_frameworks
from checks.catalog.loader import Catalog, ControlLoadError, load_catalog
from checks.coverage import evidence_rows, evidence_table
from checks.model import Severity
from checks.paths import policies_dir
from tests.unit.conftest import CONTROL

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "docs" / "security-statement.txt"   # the security statement the catalog backs
STANDARD = ("soc2", "iso27001_2022", "cis_aws_v3", "nist_800_53")


def normal(text: str) -> str:
    """One space between words; a word broken by a hyphen at a line end is joined again ("third-\\nparty")."""
    return re.sub(r"(?<=\w)- (?=\w)", "-", " ".join(text.split()))


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def references(catalog: Catalog) -> dict[tuple[str, str], list[str]]:
    """(framework, requirement) -> ids of the controls that reference it."""
    refs: dict[tuple[str, str], list[str]] = {}
    for control in catalog.controls.values():
        for fid, rids in control.frameworks.items():
            for rid in rids:
                refs.setdefault((fid, rid), []).append(control.id)
    return refs


def test_the_catalog_has_the_five_frameworks(catalog: Catalog) -> None:
    assert sorted(catalog.frameworks) == sorted((*STANDARD, "statement"))


def test_every_framework_reference_resolves(catalog: Catalog) -> None:
    dangling = [f"{c.id} -> {fid}:{rid}" for c in catalog.controls.values() for fid, rids in c.frameworks.items()
                for rid in rids if fid not in catalog.frameworks or rid not in catalog.frameworks[fid].requirements]
    assert dangling == []


@pytest.mark.parametrize("fid", [*STANDARD, "statement"])
def test_every_automated_requirement_is_backed_by_a_control(catalog: Catalog, fid: str) -> None:
    refs = references(catalog)
    orphans = [rid for rid, req in catalog.frameworks[fid].requirements.items()
               if not req.manual and (fid, rid) not in refs]
    assert orphans == [], f"{fid}: reference these from a control, or mark them `manual: true`"


@pytest.mark.parametrize("fid", [*STANDARD, "statement"])
def test_no_control_references_a_manual_requirement(catalog: Catalog, fid: str) -> None:
    refs = references(catalog)
    wrong = {rid: refs[(fid, rid)] for rid, req in catalog.frameworks[fid].requirements.items()
             if req.manual and (fid, rid) in refs}
    assert wrong == {}, f"{fid}: a requirement a control checks is not manual: drop `manual: true`"


def test_every_control_backs_a_framework_requirement_and_the_statement(catalog: Catalog) -> None:
    no_standard = [c.id for c in catalog.controls.values() if not any(c.frameworks.get(f) for f in STANDARD)]
    no_statement = [c.id for c in catalog.controls.values() if not c.frameworks.get("statement")]
    assert (no_standard, no_statement) == ([], [])


def test_every_claim_is_quoted_by_the_statement(catalog: Catalog) -> None:
    quoted = " | ".join(normal(r.description or "") for r in catalog.frameworks["statement"].requirements.values())
    seed = normal(SEED.read_text(encoding="utf-8"))
    missing = [c.id for c in catalog.controls.values()
               if c.claim and normal(c.claim) not in quoted and normal(c.claim) not in seed]
    assert missing == []


def test_a_control_backs_the_statement_requirement_that_quotes_its_claim(catalog: Catalog) -> None:
    statement = catalog.frameworks["statement"].requirements
    wrong: dict[str, list[str]] = {}
    for c in catalog.controls.values():
        if not c.claim:
            continue
        quoting = [rid for rid, req in statement.items() if normal(c.claim) in normal(req.description or "")]
        if quoting and not set(quoting) & set(c.frameworks.get("statement", ())):
            wrong[c.id] = quoting
    assert wrong == {}, "add these statement requirements to the controls' `frameworks: {statement: [...]}`"


def test_statement_requirements_quote_the_statement(catalog: Catalog) -> None:
    seed = normal(SEED.read_text(encoding="utf-8"))
    unquoted: list[str] = []
    for rid, req in catalog.frameworks["statement"].requirements.items():
        quotes = re.findall(r'"([^"]+)"', normal(req.description or ""))
        assert quotes, f"statement requirement {rid} quotes no claim in its description"
        unquoted += [f"{rid}: {q}" for q in quotes if q not in seed]
    assert unquoted == []


def test_framework_ids_match_file_names(catalog: Catalog) -> None:
    assert {fid: Path(fw.file).stem for fid, fw in catalog.frameworks.items()} == {
        fid: fid for fid in catalog.frameworks}


def test_requirement_ids_survive_yaml(catalog: Catalog) -> None:
    # an unquoted CIS id such as 1.10 would be read as the number 1.1
    cis = catalog.frameworks["cis_aws_v3"].requirements
    assert {"1.10", "2.1.1", "4.10"} <= set(cis)
    assert all(req.title.strip() == req.title and req.title for fw in catalog.frameworks.values()
               for req in fw.requirements.values())


# --- the loader ------------------------------------------------------------------------------------------------

GOOD = """\
id: soc2
name: SOC 2
requirements:
  CC6.1: {title: "Logical access security"}
  CC6.2: {title: "User registration", manual: true}
"""


def write(folder: Path, text: str, name: str = "soc2.yaml") -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


def test_a_good_file_loads_in_order(tmp_path: Path) -> None:
    write(tmp_path, GOOD)
    frameworks, errors = load_frameworks(tmp_path)
    assert errors == []
    fw = frameworks["soc2"]
    assert list(fw.requirements) == ["CC6.1", "CC6.2"]
    assert (fw.requirements["CC6.2"].manual, fw.requirements["CC6.1"].manual) == (True, False)


def test_unknown_field_names_file_line_and_field(tmp_path: Path) -> None:
    write(tmp_path, GOOD.replace('CC6.2: {title: "User registration", manual: true}',
                                 'CC6.2: {titel: "User registration", manual: true}'))
    frameworks, errors = load_frameworks(tmp_path)
    assert errors == [
        f"{tmp_path}/soc2.yaml:5: framework soc2: field 'requirements.CC6.2': 'title' is missing",
        f"{tmp_path}/soc2.yaml:5: framework soc2: field 'requirements.CC6.2.titel': unknown field "
        "(allowed: description, evidence, manual, title)",
    ]
    assert list(frameworks["soc2"].requirements) == ["CC6.1"]   # the well-formed rest still loads


def test_wrong_type_names_its_line(tmp_path: Path) -> None:
    write(tmp_path, GOOD.replace("manual: true", "manual: 1") + "version: 2017\n")
    _, errors = load_frameworks(tmp_path)
    assert errors == [
        f"{tmp_path}/soc2.yaml:5: framework soc2: field 'requirements.CC6.2.manual': 1 is not of type 'boolean'",
        f"{tmp_path}/soc2.yaml:6: framework soc2: field 'version': 2017 is not of type 'string'",
    ]


def test_id_must_match_the_file_name(tmp_path: Path) -> None:
    write(tmp_path, GOOD, "soc_2.yaml")
    frameworks, errors = load_frameworks(tmp_path)
    assert errors == [f"{tmp_path}/soc_2.yaml:1: framework soc2: field 'id': must match the file name 'soc_2' "
                      "(rename the file to soc2.yaml)"]


def test_broken_yaml_and_duplicate_keys_name_file_and_line(tmp_path: Path) -> None:
    write(tmp_path, "id: soc2\nname: [SOC 2\nrequirements: {}\n")
    write(tmp_path, GOOD + '  CC6.1: {title: "again"}\n', "iso.yaml")
    _, errors = load_frameworks(tmp_path)
    assert len(errors) == 2 and all("\n" not in e for e in errors)
    assert errors[0].startswith(f"{tmp_path}/iso.yaml:6: duplicate key 'CC6.1'")
    assert errors[1].startswith(f"{tmp_path}/soc2.yaml:3:") and "invalid YAML" in errors[1]


def test_missing_fields_and_empty_file(tmp_path: Path) -> None:
    write(tmp_path, "id: soc2\nrequirements: {}\n")
    write(tmp_path, "", "empty.yaml")
    _, errors = load_frameworks(tmp_path)
    assert errors == [
        f"{tmp_path}/empty.yaml:1: framework empty: the file must hold one mapping (id, name, requirements)",
        f"{tmp_path}/soc2.yaml:1: framework soc2: field '(document)': 'name' is missing",
        f"{tmp_path}/soc2.yaml:2: framework soc2: field 'requirements': {{}} should be non-empty",
    ]


def test_a_broken_framework_file_is_one_error_not_one_per_control(tmp_path: Path, controls_dir: Path) -> None:
    write(tmp_path / "frameworks", GOOD.replace("name: SOC 2", "name: SOC 2\nscope: all"))
    with pytest.raises(ControlLoadError) as info:
        load_catalog(controls_dir, tmp_path / "frameworks")
    assert info.value.errors == [
        f"{tmp_path}/frameworks/soc2.yaml:3: framework soc2: field 'scope': unknown field "
        "(allowed: description, id, name, requirements, url, version)"]
    assert "soc2: [CC6.1]" in CONTROL


def test_the_shipped_frameworks_load_cleanly() -> None:
    frameworks, errors = load_frameworks(policies_dir() / "frameworks")
    assert errors == [] and len(frameworks) == 5


# --- partial evidence ---------------------------------------------------------------------------------------------

PARTIAL = GOOD + """\
  CC6.6:
    title: "Boundary protection"
    evidence: {level: partial, why: "checks security groups only,
      not the VPN"}
"""


def test_partial_evidence_loads_with_its_reason(tmp_path: Path) -> None:
    write(tmp_path, PARTIAL)
    frameworks, errors = load_frameworks(tmp_path)
    assert errors == []
    reqs = frameworks["soc2"].requirements
    assert (reqs["CC6.6"].evidence, reqs["CC6.6"].partial) == (Evidence.PARTIAL, True)
    assert reqs["CC6.6"].evidence_why == "checks security groups only, not the VPN"
    assert (reqs["CC6.1"].evidence, reqs["CC6.1"].partial, reqs["CC6.1"].evidence_why) == (Evidence.FULL, False, None)


@pytest.mark.parametrize(("evidence", "line", "field", "message"), [
    ("{level: partial}", 8, "requirements.CC6.6.evidence", "'why' is missing"),
    ("{level: some, why: x}", 8, "requirements.CC6.6.evidence.level", "'some' is not one of ['full', 'partial']"),
    ("{level: partial, why: ' '}", 8, "requirements.CC6.6.evidence.why", "' ' does not match '\\\\S'"),
    ("{level: partial, why: x, controls: [A]}", 8, "requirements.CC6.6.evidence.controls",
     "unknown field (allowed: level, why)"),
    ("partial", 8, "requirements.CC6.6.evidence", "'partial' is not of type 'object'"),
])
def test_malformed_evidence_names_file_line_and_field(tmp_path: Path, evidence: str, line: int, field: str,
                                                      message: str) -> None:
    write(tmp_path, GOOD + f'  CC6.6:\n    title: "Boundary protection"\n    evidence: {evidence}\n')
    _, errors = load_frameworks(tmp_path)
    assert errors == [f"{tmp_path}/soc2.yaml:{line}: framework soc2: field '{field}': {message}"]


def test_a_manual_requirement_cannot_be_partly_evidenced(tmp_path: Path) -> None:
    write(tmp_path, GOOD.replace('manual: true}', 'manual: true, evidence: {level: partial, why: "x"}}'))
    frameworks, errors = load_frameworks(tmp_path)
    assert errors == [f"{tmp_path}/soc2.yaml:5: framework soc2: field 'requirements.CC6.2.evidence': a manual "
                      "requirement has no controls to evidence it: drop `evidence` (or `manual`)"]


# --- docs/evidence.md ---------------------------------------------------------------------------------------------


def evidence_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("evidence_table", ROOT / "scripts" / "evidence_table.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_evidence_doc_matches_the_framework_data() -> None:
    script = evidence_script()
    text = (ROOT / "docs" / "evidence.md").read_text(encoding="utf-8")
    assert script.with_table(text, script.current_table()) == text, (
        "docs/evidence.md is stale: run .venv/bin/python scripts/evidence_table.py")


def test_the_evidence_doc_lists_every_claim_with_its_level(catalog: Catalog) -> None:
    text = (ROOT / "docs" / "evidence.md").read_text(encoding="utf-8")
    refs = references(catalog)
    rows = {m.group(1): m.group(2) for m in re.finditer(r"^\| \*\*([A-Z0-9-]+)\*\* [^|]+ \| (\w+) \|", text, re.M)}
    expected = {rid: "none" if (("statement", rid) not in refs) else "partial" if req.partial else "full"
                for rid, req in catalog.frameworks["statement"].requirements.items()}
    assert rows == expected
    assert {"PATCH", "VPC-ACCESS", "MFA"} <= {rid for rid, level in rows.items() if level == "partial"}


def test_evidence_rows_levels_and_reasons(tmp_path: Path) -> None:
    write(tmp_path, PARTIAL)
    frameworks, _ = load_frameworks(tmp_path)
    controls = [Control.of({
        "id": "C-1", "title": "t", "severity": Severity.HIGH, "kind": "s3.bucket", "reads": ("x",),
        "assert": Expression("x"), "message": "{name}", "remediation": Remediation(pulumi="fix"),
        "frameworks": {"soc2": ("CC6.1", "CC6.6")}})]
    assert evidence_rows(frameworks["soc2"], controls) == [
        ("CC6.1", "Logical access security", "full", "C-1", ""),
        ("CC6.2", "User registration", "none", "",
         "No control checks it (manual: a process, or not visible in a Pulumi program)."),
        ("CC6.6", "Boundary protection", "partial", "C-1", "checks security groups only, not the VPN"),
    ]
    table = evidence_table(frameworks["soc2"], controls)
    assert table.splitlines()[0] == "3 claims: 1 full, 1 partial, 1 none."
    assert "| **CC6.2** User registration | none | - |" in table
