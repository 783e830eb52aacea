"""Every command of the README, run as written: those a fresh clone can run give the exit code and the words the
README promises; the others (an AWS account, your own program, Pulumi Cloud, `make` itself) are listed with the
reason they are not run here. A command added to or changed in the README without a line here fails the test, so the
README and what clearance does stay one story.

The commands run in order, with the working folder a copy of the repository's programs (infra/, examples/) beside a
`.venv` that points at this checkout's, and no AWS variables: exactly what a user who just ran `make demo` has.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.paths import ROOT as REPO

README = REPO / "README.md"


@dataclass(frozen=True)
class Runs:
    code: int
    says: tuple[str, ...] = ()      # words the output must hold (stdout and stderr)
    never: tuple[str, ...] = ()     # words it must not hold


PLACEHOLDER = "a placeholder for the reader's own program or files"
ACCOUNT = "needs a real AWS account (or an S3 bucket) and its credentials"

# In README order. The sandbox commands run one after the other: up, apply, scan, check --state, drift, down.
RUN: dict[str, Runs] = {
    "clearance --version": Runs(0, ("clearance 0.1.0",)),
    "python -m checks --version": Runs(0, ("clearance 0.1.0",)),
    ".venv/bin/clearance check infra/ --format sarif,markdown,junit,json --out clearance-out --fail-on high": Runs(
        0, ("no findings at or above high", "wrote clearance-out/clearance.sarif",
            "wrote clearance-out/clearance.junit.xml")),
    ".venv/bin/clearance check examples/noncompliant --check 'NET-*' --skip-check NET-04 --severity critical,high":
        Runs(1, ("16 of 94 controls evaluated", "failing findings"), ("NET-04 [", "KEY-01 [")),
    ".venv/bin/clearance check examples/noncompliant --framework cis_aws_v3 --soft-fail": Runs(
        0, ("--framework cis_aws_v3: 27 of 94 controls evaluated", "(--soft-fail: exit 0 instead of 1)")),
    ".venv/bin/clearance --color never check infra/ --quiet": Runs(0, ("no failing findings",), ("\x1b[",)),
    ".venv/bin/clearance baseline create examples/noncompliant --output clearance-out/noncompliant-baseline.yaml":
        Runs(0, ("failing findings of program examples/noncompliant (stack dev) in "
                 "clearance-out/noncompliant-baseline.yaml",)),
    ".venv/bin/clearance check examples/noncompliant --baseline clearance-out/noncompliant-baseline.yaml": Runs(
        0, ("findings are in the baseline clearance-out/noncompliant-baseline.yaml (reported, not failing)",
            "no failing findings")),
    ".venv/bin/clearance check infra/ --with-checkov -f json": Runs(
        1, ("checkov 3.3.30 scanned 110 of the 110 converted Terraform resources", "failing findings",
            "wrote clearance-out/clearance.json")),
    ".venv/bin/clearance check --terraform-plan tests/fixtures/terraform/kms_no_rotation.json": Runs(
        1, ("KEY-01 [", "aws_kms_key.logs", "1 failing finding")),
    ".venv/bin/clearance iam-policy": Runs(0, ('"ec2:DescribeRegions"', '"kms:ListKeys"')),
    ".venv/bin/clearance sandbox up --region eu-west-1 --no-default-vpc": Runs(
        0, ("sandbox started at http://127.0.0.1:", "deleted the default VPC of eu-west-1")),
    ".venv/bin/clearance sandbox apply infra/": Runs(0, ("state written to clearance-out/sandbox-state.json",)),
    ".venv/bin/clearance scan --regions eu-west-1": Runs(
        4, ("settings, waivers and review register of infra (the program applied to the sandbox",
            "findings point at the lines that declared their resources (the state clearance-out/sandbox-state.json",
            "INCOMPLETE: 3 results could not be evaluated (data not read); no failing findings among the rest")),
    ".venv/bin/clearance check --state clearance-out/sandbox-state.json --program-dir infra": Runs(
        0, ("no failing findings",), ("no security-group review register",)),
    ".venv/bin/clearance drift --state clearance-out/sandbox-state.json --regions eu-west-1": Runs(
        4, ("compliance: first recorded run of this account", "wrote clearance-out/drift/drift.html")),
    ".venv/bin/clearance sandbox down": Runs(0, ("sandbox stopped",)),
    ".venv/bin/clearance iam-policy --organization --scanner-arn arn:aws:iam::123456789012:role/clearance-org": Runs(
        0, ('"ManagementPolicy"', '"MemberRole"', '"StackSetTemplate"',
            '"arn:aws:iam::123456789012:role/clearance-org"')),
    ".venv/bin/clearance sandbox up --region eu-west-1": Runs(0, ("sandbox started at http://127.0.0.1:",)),
    ".venv/bin/clearance sandbox org --accounts 3 --regions eu-west-1": Runs(
        0, ("3 member account(s)", "scan it with: clearance scan --organization --role-name ClearanceScan")),
    (".venv/bin/clearance scan --organization --role-name ClearanceScan --regions eu-west-1 -f json "
     "--out clearance-out/org"): Runs(1, ("live view of organization o-", "By account", "failing findings",
                 "wrote clearance-out/org/clearance.json")),
    (".venv/bin/clearance scan --organization --role-name ClearanceScan --regions eu-west-1 --shard 1/2 "
     "--run-group demo --store clearance-out/org.db"): Runs(0, ("shard 1/2 of run group demo: read", "recorded in")),
    (".venv/bin/clearance scan --organization --role-name ClearanceScan --regions eu-west-1 --shard 2/2 "
     "--run-group demo --store clearance-out/org.db"): Runs(0, ("shard 2/2 of run group demo: read", "recorded in")),
    (".venv/bin/clearance report --store clearance-out/org.db --run-group demo -f json,html "
     "--out clearance-out/org-shards"): Runs(
        1, ("run group demo (2 of 2 shards)", "By account", "wrote clearance-out/org-shards/drift/drift.html")),
    ".venv/bin/clearance sandbox down --out clearance-out": Runs(0, ("sandbox stopped",)),
    ".venv/bin/clearance sg review infra/": Runs(
        0, ("0 unreviewed rule(s); register: infra/security-group-reviews.yaml",)),
    ".venv/bin/clearance sg review examples/noncompliant": Runs(
        0, ("3617aa6649819ec0  api-v6 ingress tcp 443-443 from cidr_ipv6 ::/0  "
            "(examples/noncompliant/cases_compute.py:35)", "3 unreviewed rule(s)")),
    (".venv/bin/clearance sg review examples/noncompliant --reviewer security@example.com "
     "--fingerprint 3617aa6649819ec0 --note SEC-123"): Runs(
        0, ("1 review(s) added to examples/noncompliant/security-group-reviews.yaml",)),
    ".venv/bin/clearance sg review examples/noncompliant --reviewer security@example.com --all": Runs(
        0, ("2 review(s) added to examples/noncompliant/security-group-reviews.yaml",)),
    ".venv/bin/clearance pre-commit infra/__main__.py infra/components/network.py": Runs(0, ("no failing findings",)),
}

# Not run by this test, and why.
NOT_RUN: dict[str, str] = {
    "make demo": "CI and the demo's own final check run it (scripts/demo.sh ends non-zero on any surprise)",
    "make test": "this test is part of it",
    "make test-fast": "this test is part of `make test`, which runs the same and more",
    "pip install .": "tests/e2e/test_install.py builds the wheel and installs it into a fresh environment",
    "pip install '.[sandbox]'": "the development install has the sandbox extra; test_without_moto covers its absence",
    "clearance --install-completion": "writes to your shell's start-up file; tests/e2e/test_cli_flags.py runs "
                                      "--show-completion",
    ".venv/bin/clearance check path/to/program": PLACEHOLDER,
    ".venv/bin/clearance check path/to/program --stack prod -c dbName=orders -c aws:region=eu-west-1": PLACEHOLDER,
    ".venv/bin/clearance check path/to/program --python path/to/program/venv/bin/python": PLACEHOLDER,
    ".venv/bin/clearance check --preview preview.json": PLACEHOLDER,
    ".venv/bin/clearance check --state state.json --program-dir path/to/program": PLACEHOLDER,
    "make compare-checkov": "tests/checkov/test_compare.py and tests/e2e/test_with_checkov.py run the comparison",
    "python -m venv .venv-policy && .venv-policy/bin/pip install -r policies/pulumi/requirements.txt":
        "installs from PyPI; tests/crossguard runs the pack's validations with the same pulumi-policy",
    "cd infra && CLEARANCE_PROGRAM=$PWD pulumi preview --policy-pack ../policies/pulumi":
        "needs the Pulumi CLI and a stack; tests/crossguard runs the pack on infra/ and examples/noncompliant",
    ".venv/bin/clearance scan --profile prod --regions eu-west-1,us-east-1 --format sarif,json --fail-on high": ACCOUNT,
    ".venv/bin/clearance scan --regions all --role-arn arn:aws:iam::123456789012:role/clearance-audit": ACCOUNT,
    ".venv/bin/clearance scan --profile prod --program-dir infra --state prod.json -f sarif": ACCOUNT,
    ".venv/bin/clearance drift --backend s3://acme-pulumi-state --regions eu-west-1 --store postgresql+psycopg://...":
        ACCOUNT,
    ".venv/bin/clearance drift --state prod.json --state network.json --ignore drift-ignore.yaml": ACCOUNT,
    ".venv/bin/clearance scan --organization --role-name ClearanceScan --regions all --format sarif,json": ACCOUNT,
    ".venv/bin/clearance scan --accounts @accounts.txt --exclude-accounts 111111111111 --role-name ClearanceScan":
        ACCOUNT,
    "open clearance-out/drift/drift.html": "opens a browser; tests/drift_reports renders that page in Chromium",
}


def readme_commands() -> list[str]:
    """Every command of the README's `sh` blocks, comments and blank lines left out, continued lines joined."""
    text = README.read_text(encoding="utf-8")
    commands: list[str] = []
    for block in re.findall(r"```sh\n(.*?)```", text, flags=re.S):
        pending = ""
        for raw in block.splitlines():
            line = re.sub(r"\s+#\s.*$", "", raw).rstrip()
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            if line.endswith("\\"):
                pending += line[:-1].rstrip() + " "
                continue
            commands.append((pending + line).strip())
            pending = ""
    return commands


def test_every_readme_command_is_run_or_says_why_not() -> None:
    commands = list(dict.fromkeys(readme_commands()))  # `make test` opens the README and closes it
    listed = set(RUN) | set(NOT_RUN)
    assert not set(RUN) & set(NOT_RUN)
    assert sorted(set(commands) - listed) == [], "README commands this test neither runs nor explains"
    assert sorted(listed - set(commands)) == [], "commands listed here that the README no longer has"
    assert [c for c in commands if c in RUN] == list(RUN), "RUN must follow the README's order"


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh clone's programs and a `.venv` pointing at this checkout's; the sandbox stopped at the end."""
    root = tmp_path_factory.mktemp("readme")
    for folder in ("infra", "examples", "tests/fixtures/terraform"):
        shutil.copytree(REPO / folder, root / folder,
                        ignore=shutil.ignore_patterns("__pycache__", "clearance-out", "*.pyc"))
    (root / ".venv").symlink_to(REPO / ".venv", target_is_directory=True)
    (root / ".venv-checkov").symlink_to(REPO / ".venv-checkov", target_is_directory=True)  # make install made both
    (root / ".git").mkdir()  # the repository root that report paths are relative to
    yield root
    subprocess.run([str(REPO / ".venv" / "bin" / "clearance"), "sandbox", "down"], cwd=root, capture_output=True,
                   timeout=60, check=False)


def run(command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PULUMI_", "NO_COLOR", "FORCE_COLOR"))}
    env.update(AWS_CONFIG_FILE=str(cwd / "no-aws-config"), AWS_SHARED_CREDENTIALS_FILE=str(cwd / "no-credentials"),
               PATH=f"{REPO / '.venv' / 'bin'}{os.pathsep}{env.get('PATH', '')}", COLUMNS="200")
    return subprocess.run(["bash", "-c", command], cwd=cwd, env=env, capture_output=True, text=True, timeout=600,
                          check=False)


@pytest.mark.parametrize("command", list(RUN), ids=lambda c: c[:60])
def test_readme_command_does_what_the_readme_says(workspace: Path, command: str) -> None:
    expected = RUN[command]
    proc = run(command, workspace)
    output = proc.stdout + proc.stderr
    shown = f"$ {command}\n{output[-4000:]}"
    assert "Traceback" not in output, shown
    assert proc.returncode == expected.code, shown
    for words in expected.says:
        assert words in output, f"{words!r} missing:\n{shown}"
    for words in expected.never:
        assert words not in output, f"{words!r} present:\n{shown}"
