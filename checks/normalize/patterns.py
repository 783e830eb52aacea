"""AWS wildcard patterns (IAM and AWS Backup style): `*` matches any run of characters, `?` exactly one."""

from __future__ import annotations

import re
from functools import cache


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
