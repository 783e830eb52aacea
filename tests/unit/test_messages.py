"""Finding messages never print a secret: a path placeholder that overlaps a secret path is `****`, and an
expression placeholder is evaluated on a copy of the document whose secret values are `****` (an expression could
otherwise carry the secret into the text: `join('', ['key ', kms_key_id])`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from checks.catalog.expressions import Evaluator
from checks.catalog.messages import REDACTED, MessageTemplate

NOW = dt.datetime(2026, 12, 6, tzinfo=dt.UTC)
DOC: dict[str, Any] = {"name": "db", "encryption": {"enabled": True, "kms_key_id": "alias/s3cr3t"},
       "rules": [{"peer": "s3cr3t-peer", "port": 22}, {"peer": "ok", "port": 443}]}


def render(text: str, secrets: frozenset[str]) -> str:
    return MessageTemplate(text).render(DOC, secrets, Evaluator(NOW))


def test_a_path_placeholder_over_a_secret_is_redacted_whole() -> None:
    assert render("key {encryption.kms_key_id}", frozenset({"encryption.kms_key_id"})) == f"key {REDACTED}"
    assert render("key {encryption}", frozenset({"encryption.kms_key_id"})) == f"key {REDACTED}"
    assert render("key {encryption.enabled}", frozenset({"encryption.kms_key_id"})) == "key true"


def test_an_expression_placeholder_never_carries_a_secret_into_the_text() -> None:
    text = ("{encryption.enabled && join('', ['encrypted with ', to_string(encryption.kms_key_id)]) || 'plain'}; "
            "{join(', ', rules[].peer)}")
    assert render(text, frozenset()) == "encrypted with alias/s3cr3t; s3cr3t-peer, ok"
    redacted = render(text, frozenset({"encryption.kms_key_id", "rules[].peer"}))
    assert "s3cr3t" not in redacted
    assert redacted == f"encrypted with {REDACTED}; {REDACTED}, {REDACTED}"
    assert DOC["encryption"]["kms_key_id"] == "alias/s3cr3t"  # the asset's own document is untouched
