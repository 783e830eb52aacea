"""Helpers shared by several normalizers: AWS wildcard patterns, KMS keys named inside nested or
computed properties, Terraform's empty values. (Candidates for base.py.)"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import cache
from typing import Any

from checks.model import UNKNOWN, SourceKind
from checks.normalize.base import KMS_ALIAS_TOKEN, KMS_KEY_TOKENS, Index, customer_managed_key, unwrap
from checks.raw import RawResource

# ---------------------------------------------------------------- wildcards (IAM / AWS Backup style)


@cache
def _wildcard_regex(pattern: str) -> re.Pattern[str]:
    """`*` matches any run of characters, `?` exactly one; everything else is literal."""
    parts = (".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern)
    return re.compile("".join(parts), re.DOTALL)


def wildcard_match(pattern: str, value: str) -> bool:
    return _wildcard_regex(pattern).fullmatch(value) is not None


def covers_every_suffix(pattern: str, prefix: str) -> bool:
    """Does `pattern` match `prefix + s` for every string s?

    True exactly when the pattern ends with `*` and matches `prefix` itself: the trailing star then
    absorbs any suffix, and a pattern that does not end with `*` cannot match arbitrarily long strings.
    """
    return pattern.endswith("*") and wildcard_match(pattern, prefix)


# ---------------------------------------------------------------- keys named inside nested properties


def customer_managed_key_value(raw: RawResource, value: Any, dep_prop: str, index: Index, *,
                               computed: bool = False) -> Any:
    """`base.customer_managed_key` for a key id that may sit inside a top-level property
    (`rules[].kmsMasterKeyId`) or be an optional + computed output.

    A key that is unset (None or "") is not customer managed. An UNKNOWN key is resolved through the
    dependencies of the top-level property `dep_prop` (a preview names the KMS key's URN there); a known
    value is judged by itself, so that other dependencies of the same property cannot mislead.
    `computed`: Terraform state fills the property with the ARN of the AWS-managed key when none was
    given, so in the state view a key ARN that is not declared in the program cannot be judged: UNKNOWN.
    """
    value = unwrap(value)
    if value is None or value == "":
        return False
    deps = raw.property_dependencies.get(dep_prop, ()) if value is UNKNOWN else ()
    probe = replace(raw, props={"keyValue": value}, property_dependencies={"keyValue": tuple(deps)})
    cmk = customer_managed_key(probe, "keyValue", index)
    if cmk is True and computed and raw.source is SourceKind.STATE and not _declared_key(probe, index):
        if raw.input_keys is not None:
            return cmk if raw.is_input(dep_prop) else False  # not set by the program: AWS's managed key
        return UNKNOWN
    return cmk


def _declared_key(probe: RawResource, index: Index) -> bool:
    if index.resolve(probe, "keyValue", KMS_KEY_TOKENS):
        return True
    return any(index.resolve(alias, "targetKeyId", KMS_KEY_TOKENS)
               for alias in index.resolve(probe, "keyValue", [KMS_ALIAS_TOKEN]))


def computed_key_cmk(raw: RawResource, prop: str, index: Index) -> Any:
    """customer_managed_key_value for a top-level optional + computed key property (`kmsKeyArn`)."""
    return customer_managed_key_value(raw, raw.props.get(prop), prop, index, computed=True)


def blank(value: Any) -> Any:
    """Terraform state writes "" or 0 for unset strings and numbers: those become None."""
    value = unwrap(value)
    return None if value is not UNKNOWN and value in ("", 0) and value is not False else value
