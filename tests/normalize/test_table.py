"""The fixed table of `checks.normalize.table` (type token -> module) against what the modules register, and
`normalize` importing only the normalizers of the types it is given."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from checks.normalize import load_normalizers
from checks.normalize.base import FOLDED, NORMALIZERS, OWNERS
from checks.normalize.table import BY_MODULE, module_of, modules_for
from tests.paths import ROOT


def _table() -> dict[str, str]:
    return {token: f"checks.normalize.{module}" for module, tokens in BY_MODULE.items() for token in tokens}


def _problems(table: dict[str, str], owners: dict[str, str]) -> list[str]:
    """What to fix in the table: `owners` maps each registered token to the module that registers it."""
    def short(module: str) -> str:
        return module.removeprefix("checks.normalize.")

    missing = [f"{token}: add it under \"{short(owners[token])}\" in checks/normalize/table.py"
               for token in sorted(set(owners) - set(table))]
    stale = [f"{token}: no module registers it; remove it from \"{short(table[token])}\" in checks/normalize/table.py"
             for token in sorted(set(table) - set(owners))]
    moved = [f"{token}: registered by \"{short(owners[token])}\", not \"{short(table[token])}\": move it in "
             "checks/normalize/table.py" for token in sorted(set(owners) & set(table)) if owners[token] != table[token]]
    return missing + stale + moved


def test_the_table_names_every_registered_token_and_the_module_that_registers_it() -> None:
    load_normalizers()
    assert set(OWNERS) == set(NORMALIZERS) | set(FOLDED)
    assert _problems(_table(), OWNERS) == []


def test_a_stale_table_is_reported_with_the_token_and_module() -> None:
    owners = {"aws:sqs/queue:Queue": "checks.normalize.sqs", "aws:sns/topic:Topic": "checks.normalize.sns",
              "live:sqs:queue": "checks.normalize.sqs"}
    table = {"aws:sqs/queue:Queue": "checks.normalize.sqs", "aws:mq/broker:Broker": "checks.normalize.mq",
             "live:sqs:queue": "checks.normalize.sns"}
    assert _problems(table, owners) == [
        'aws:sns/topic:Topic: add it under "sns" in checks/normalize/table.py',
        'aws:mq/broker:Broker: no module registers it; remove it from "mq" in checks/normalize/table.py',
        'live:sqs:queue: registered by "sqs", not "sns": move it in checks/normalize/table.py',
    ]


def test_each_token_is_listed_once() -> None:
    tokens = [token for group in BY_MODULE.values() for token in group]
    assert len(tokens) == len(set(tokens)) == len(_table())


def test_module_lookup() -> None:
    assert module_of("aws:s3/bucketV2:BucketV2") == "checks.normalize.s3.planned"
    assert module_of("aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2") \
        == "checks.normalize.s3.planned"  # a side resource: its owner's module
    assert module_of("live:s3:bucket") == "checks.normalize.s3.live"
    assert module_of("aws:mq/broker:Broker") is None
    assert modules_for(["live:s3:bucket", "aws:mq/broker:Broker", "aws:s3/bucketV2:BucketV2", "live:s3:bucket"]) \
        == ["checks.normalize.s3.live", "checks.normalize.s3.planned"]


_PROBE = textwrap.dedent("""
    import sys
    from checks.model import SourceKind
    from checks.normalize import normalize
    from checks.normalize.table import BY_MODULE
    from checks.raw import RawResource

    def raw(type_, name, props, source=SourceKind.PLANNED):
        return RawResource(type=type_, urn=f"urn:pulumi:dev::p::{type_}::{name}", name=name, props=props,
                           source=source)

    before = {m for m in sys.modules if m.startswith("checks.normalize.")}
    result = normalize([raw("aws:sqs/queue:Queue", "q", {"name": "q"}),
                        raw("aws:mq/broker:Broker", "b", {}),
                        raw("live:mq:broker", "b2", {}, SourceKind.LIVE)])
    after = {m for m in sys.modules if m.startswith("checks.normalize.")}
    print(sorted((after - before) & {f"checks.normalize.{m}" for m in BY_MODULE}))  # normalizers, not helpers
    print([a.kind for a in result.assets], result.unsupported)
""")


def test_normalize_imports_only_the_normalizers_of_the_types_it_is_given() -> None:
    out = subprocess.run([sys.executable, "-c", _PROBE], cwd=ROOT, capture_output=True, text=True, check=True)
    imported, result = out.stdout.splitlines()
    assert imported == "['checks.normalize.sqs']"
    assert result == "['sqs.queue'] {'aws:mq/broker:Broker': 1, 'live:mq:broker': 1}"
