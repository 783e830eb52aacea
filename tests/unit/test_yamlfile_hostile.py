"""Hostile YAML never crashes or hangs: every problem is one InputError naming file and line, through every loader
(the one hardened loader in checks/yamlfile.py: waivers, the review register, controls, frameworks)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from checks.catalog.loader import ControlLoadError, load_catalog
from checks.errors import InputError
from checks.paths import display_path
from checks.register import load_register
from checks.waivers import load_waivers
from checks.yamlfile import MAX_DEPTH, load_yaml, parse_yaml

HOSTILE = Path(__file__).parent.parent / "fixtures" / "hostile"
FIX = "(fix the value or quote it to make it text)"
PLAIN = "(use plain YAML values: text, numbers, booleans, dates, lists and mappings)"


def message(text: str) -> str:
    with pytest.raises(InputError) as info:
        parse_yaml(text, "f.yaml")
    rendered = str(info.value)
    assert "\n" not in rendered
    return rendered


@pytest.mark.parametrize(("text", "expected"), [
    ("expires: 2027-02-30\n", f"f.yaml:1: '2027-02-30' is not a valid date (day is out of range for month) {FIX}"),
    ("a: 1\nat: 2027-13-01 10:00:00\n",
     f"f.yaml:2: '2027-13-01 10:00:00' is not a valid date (month must be in 1..12) {FIX}"),
    ('level: !!int "high"\n', f"f.yaml:1: 'high' is not a valid integer {FIX}"),
    ("n: !!int ''\n", f"f.yaml:1: '' is not a valid integer {FIX}"),
    ('x: !!float "x"\n', f"f.yaml:1: 'x' is not a valid number {FIX}"),
    ("on: !!bool maybe\n", f"f.yaml:1: 'maybe' is not a valid boolean {FIX}"),
    ("t: !!timestamp nonsense\n", f"f.yaml:1: 'nonsense' is not a valid date {FIX}"),
    ("n: " + "7" * 5000 + "\n", f"f.yaml:1: '{'7' * 37}...' is not a valid integer (more than 4300 digits) {FIX}"),
    ("run: !!python/name:os.system\n",
     "f.yaml:1: python tags are not allowed ('!!python/name:os.system') (clearance reads plain YAML data only)"),
    ("run: !!python/object/apply:os.system [ls]\n",
     "f.yaml:1: python tags are not allowed ('!!python/object/apply:os.system') "
     "(clearance reads plain YAML data only)"),
    ("a:\n  b: !!python/object:__main__.X {x: 1}\n",
     "f.yaml:2: python tags are not allowed ('!!python/object:__main__.X') (clearance reads plain YAML data only)"),
    ("b: !!binary aGVsbG8=\n", f"f.yaml:1: unsupported tag '!!binary' {PLAIN}"),
    ("s: !!set {x, y}\n", f"f.yaml:1: unsupported tag '!!set' {PLAIN}"),
    ("c: !custom 1\n", f"f.yaml:1: unsupported tag '!custom' {PLAIN}"),
    ("a: &a [1, *a]\n",
     "f.yaml:1: alias '*a' is inside the value it refers to (a recursive structure) "
     "(YAML that refers to itself is not supported)"),
    ("a: &m\n  self: *m\n",
     "f.yaml:2: alias '*m' is inside the value it refers to (a recursive structure) "
     "(YAML that refers to itself is not supported)"),
    ("a: *nowhere\n", "f.yaml:1: alias '*nowhere' refers to no anchor '&nowhere' defined before it"),
    ("? [a, b]\n: 1\n", "f.yaml:1: a mapping key must be a plain value, not a list or mapping"),
    ("a: 1\na: 2\n", "f.yaml:2: duplicate key 'a'"),
    ("a: 1\n---\nb: 2\n",
     "f.yaml:2: the file holds more than one YAML document (keep one document (remove the '---' line))"),
    ("a: " + "[" * 200_000, "f.yaml:1: the YAML is nested more than 100 levels deep (flatten the document)"),
    ("a:\n" + "".join("  " * i + "- \n" for i in range(1, 150)),
     "f.yaml:101: the YAML is nested more than 100 levels deep (flatten the document)"),
])
def test_hostile_yaml_is_one_line(text: str, expected: str) -> None:
    assert message(text) == expected


def test_an_alias_cannot_nest_past_the_depth_limit() -> None:
    deep = "[" * 60 + "]" * 60
    assert message(f"a: &d {deep}\nb: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[*d]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"
                   "]]]]]]]]]]]]]\n") == (
        "f.yaml:2: the YAML is nested more than 100 levels deep (flatten the document)")


BOMB = "f.yaml:6: too many aliases (YAML alias bomb?) (at most 1000 aliases expanding to 100000 values in all)"


def test_billion_laughs_is_refused_fast() -> None:
    text = (HOSTILE / "alias_bomb.yaml").read_text()
    assert len(text.encode()) < 500
    started = time.perf_counter()
    with pytest.raises(InputError) as info:
        load_yaml(HOSTILE / "alias_bomb.yaml", "alias_bomb.yaml")
    assert time.perf_counter() - started < 2
    assert str(info.value) == BOMB.replace("f.yaml", "alias_bomb.yaml")


def test_too_many_aliases_even_of_small_values() -> None:
    text = "a: &a x\nb: [" + ", ".join(["*a"] * 1001) + "]\n"
    assert message(text) == (
        "f.yaml:2: too many aliases (YAML alias bomb?) (at most 1000 aliases expanding to 100000 values in all)")


def test_plain_yaml_still_loads_with_lines() -> None:
    doc = parse_yaml("base: &b {p: 1, q: 2}\nd:\n  <<: *b\n  q: 3\nlist:\n  - *b\n  - 2027-01-31\n", "f.yaml")
    assert doc.data["d"] == {"p": 1, "q": 3}
    assert doc.data["list"][0] == {"p": 1, "q": 2} and doc.data["list"][0] is not doc.data["base"]
    assert (doc.line_of(("d", "q")), doc.line_of(("list", 1)), doc.line_of(("list", 0, "p"))) == (4, 7, 6)
    assert parse_yaml("a: =\nb: <<\n", "f.yaml").data == {"a": "=", "b": "<<"}
    assert parse_yaml("", "f.yaml").data is None
    assert MAX_DEPTH == 100


def test_not_utf8_and_directories(tmp_path: Path) -> None:
    (tmp_path / "w.yaml").write_bytes(b"a: \xff\n")
    with pytest.raises(InputError) as info:
        load_yaml(tmp_path / "w.yaml", "w.yaml")
    assert str(info.value) == "w.yaml: the file is not UTF-8 text (undecodable byte at offset 3) (save it as UTF-8)"
    with pytest.raises(InputError) as info:
        load_yaml(tmp_path, "folder")
    assert str(info.value) == "folder: is a directory, not a file (give the path of the YAML file)"


# ---------------------------------------------------------------- every loader goes through it


@pytest.mark.parametrize(("name", "expected"), [
    ("impossible_date.yaml", f":6: '2027-02-30' is not a valid date (day is out of range for month) {FIX}"),
    ("python_name.yaml",
     ":3: python tags are not allowed ('!!python/name:os.system') (clearance reads plain YAML data only)"),
    ("alias_bomb.yaml", BOMB.removeprefix("f.yaml")),
])
def test_waivers_loader(name: str, expected: str) -> None:
    with pytest.raises(InputError) as info:
        load_waivers(HOSTILE / name, {"KEY-01"})
    assert str(info.value) == f"{display_path(HOSTILE / name)}{expected}"


@pytest.mark.parametrize(("name", "expected"), [
    ("int_high.yaml", f":5: 'high' is not a valid integer {FIX}"),
    ("self_alias.yaml", ":5: alias '*loop' is inside the value it refers to (a recursive structure) "
                        "(YAML that refers to itself is not supported)"),
])
def test_register_loader(name: str, expected: str) -> None:
    with pytest.raises(InputError) as info:
        load_register(HOSTILE / name)
    assert str(info.value) == f"{display_path(HOSTILE / name)}{expected}"


def test_controls_loader_lists_the_hostile_file(controls_dir: Path) -> None:
    (controls_dir / "bad-01.yaml").write_text("id: BAD-01\nparams: {since: 2027-02-30}\n")
    (controls_dir / "bad-02.yaml").write_text("id: !!python/name:os.system\n")
    with pytest.raises(ControlLoadError) as info:
        load_catalog(controls_dir)
    assert info.value.errors == [
        f"{display_path(controls_dir / 'bad-01.yaml')}:2: '2027-02-30' is not a valid date "
        f"(day is out of range for month) {FIX}",
        f"{display_path(controls_dir / 'bad-02.yaml')}:1: python tags are not allowed ('!!python/name:os.system') "
        "(clearance reads plain YAML data only)",
    ]
