"""A sandbox's secrets are recognised in a live read without being kept (checks/digests.py)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from checks.digests import FILE_NAME, SecretDigests, read_digests, strings_in, write_digests
from checks.errors import InputError


def test_the_secret_is_found_inside_longer_texts_and_nothing_else_is() -> None:
    digests = SecretDigests.of(["role-CANARY", "abc"])  # 3 characters: too short to search for
    texts = ["arn:aws:iam::123456789012:role/role-CANARY", "role-CANARx", "abc"]
    assert digests.find(texts) == frozenset({"role-CANARY"})
    assert SecretDigests.of([]).find(texts) == frozenset()


def test_strings_in_reaches_keys_lists_and_maps() -> None:
    assert sorted(strings_in({"a": ["x", {"b": "y"}], "n": 3})) == ["a", "b", "n", "x", "y"]


def test_the_file_is_private_holds_no_plaintext_and_accumulates(tmp_path: Path) -> None:
    write_digests(tmp_path, ["first-secret"])
    write_digests(tmp_path, ["second-secret"])
    path = tmp_path / FILE_NAME
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "secret" not in path.read_text()
    digests = read_digests(tmp_path)
    assert digests is not None and digests.find(["x-first-secret", "second-secret"]) == {"first-secret",
                                                                                         "second-secret"}


def test_no_file_is_none_and_a_corrupt_one_is_one_line(tmp_path: Path) -> None:
    assert read_digests(tmp_path) is None
    (tmp_path / FILE_NAME).write_text("{not json")
    with pytest.raises(InputError) as info:
        read_digests(tmp_path)
    assert FILE_NAME in str(info.value) and "\n" not in str(info.value)
