"""Preview and state files are read by orjson when it reads them as the stdlib does, else by the stdlib parser:
the values and the one-line errors are the same either way (issue 13)."""

from __future__ import annotations

import codecs
import json
import math
from pathlib import Path
from typing import Any

import pytest

from checks.errors import InputError
from checks.sources.jsonfile import MAX_DEPTH, FileKind, load_json_file

REGEN = "regenerate it with 'pulumi preview --json > preview.json'"


@pytest.fixture(autouse=True)
def in_tmp(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)


def _read(tmp_path: Path, raw: bytes) -> dict[str, Any]:
    (tmp_path / "preview.json").write_bytes(raw)
    return load_json_file(Path("preview.json"), FileKind.PREVIEW).data


def _same(a: Any, b: Any) -> bool:
    """Equal values of the same types (1 is not 1.0), NaN equal to NaN."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


@pytest.mark.parametrize("value", [
    "12345678901234567890123",        # beyond 64 bits: orjson would read a float, the stdlib an int
    "-9223372036854775809",
    "18446744073709551616",
    "9223372036854775807",
    "1.00000000000000000000001",
    "NaN", "Infinity", "-Infinity", "1e400",  # the stdlib reads them; orjson refuses them
    '"\\ud800"',                      # a lone surrogate
    '"caf\\u00e9 [\\"{\\\\"',
    '{"a": 1, "a": 2}',               # the last duplicate wins
    "-0", "-0.0", "1E5", "0.1", "5e-324",
])
def test_values_are_read_as_the_stdlib_reads_them(tmp_path: Path, value: str) -> None:
    text = '{"steps": [], "x": ' + value + "}"
    assert _same(_read(tmp_path, text.encode()), json.loads(text))


@pytest.mark.parametrize("raw", [
    codecs.BOM_UTF8 + b'{"steps": [], "x": "\xc3\xa9"}',
    codecs.BOM_UTF16_LE + '{"steps": [], "x": "é"}'.encode("utf-16-le"),
    codecs.BOM_UTF16_BE + '{"steps": [], "x": "é"}'.encode("utf-16-be"),
])
def test_byte_order_marks(tmp_path: Path, raw: bytes) -> None:
    assert _read(tmp_path, raw) == {"steps": [], "x": "é"}


def _nested(levels: int, leaf: str) -> str:
    """`levels` levels of arrays and objects in all, the top-level object included; keys and leaf hold brackets."""
    text = leaf
    for i in range(levels - 2):
        text = f'["]\\\\", {text}]' if i % 2 else f'{{"}}{{\\"[": {text}}}'
    return '{"steps": [], "d": [' + text + "]}"


def test_the_depth_limit_counts_brackets_outside_strings_only(tmp_path: Path) -> None:
    leaf = '"[[[[\\\\\\"{{{{"'  # a string of brackets, an escaped backslash and an escaped quote
    assert json.loads(_nested(MAX_DEPTH, leaf))  # valid JSON
    assert _read(tmp_path, _nested(MAX_DEPTH, leaf).encode())["steps"] == []
    with pytest.raises(InputError) as info:
        _read(tmp_path, _nested(MAX_DEPTH + 1, leaf).encode())
    assert str(info.value) == (f"preview.json: the JSON is nested too deeply to read "
                               f"(more than {MAX_DEPTH} levels): {REGEN}")


def test_a_file_orjson_refuses_gets_the_stdlib_message(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        _read(tmp_path, b'{"steps": [1,]}')
    assert str(info.value) == (f"preview.json:1:14: invalid JSON (Expecting value): the file is "
                               f"damaged; {REGEN}")


def test_invalid_utf8_is_named_by_line(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        _read(tmp_path, b'{"steps": [],\n "x": "\xff"}')
    assert str(info.value) == (f"preview.json: the file is not UTF-8 text (undecodable byte on "
                               f"line 2): {REGEN}")
