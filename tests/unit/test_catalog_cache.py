"""The catalog cache (checks/catalog/cache.py): reused while every file it came from is unchanged, equal to a fresh
load, never trusted when corrupt, never in the way when it cannot be written, and never hiding a load error."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any

import orjson
import pytest
import yaml

from checks.catalog.cache import CACHE_FORMAT, cache_dir
from checks.catalog.controls import FIELD_NAMES, Control
from checks.catalog.expressions import Expression
from checks.catalog.loader import Catalog, ControlLoadError, load_catalog, load_catalog_cached
from checks.engine import evaluate
from checks.paths import policies_dir
from tests.controls.test_controls import NOW, _asset, _fixture_files
from tests.unit.conftest import CONTROL


@pytest.fixture(autouse=True)
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("CLEARANCE_CACHE_DIR", str(folder))
    return folder


def cache_file(cache: Path) -> Path:
    [path] = cache.glob("catalog-*.json")
    return path


def expression_facts(expr: Expression | None) -> Any:
    if expr is None:
        return None
    return expr.source, expr.tree, expr.root_fields, expr.param_refs


def control_facts(control: Control) -> dict[str, Any]:
    facts = {name: getattr(control, name) for name in FIELD_NAMES}
    facts["assert_"] = expression_facts(control.assert_)
    facts["applies_if"] = expression_facts(control.applies_if)
    facts["types"] = {name: type(getattr(control, name)) for name in FIELD_NAMES}
    facts["class"] = type(control)
    return facts


def assert_same_catalog(cached: Catalog, fresh: Catalog) -> None:
    assert list(cached.controls) == list(fresh.controls)
    for cid, control in fresh.controls.items():
        assert control_facts(cached.controls[cid]) == control_facts(control), cid
        assert cached.controls[cid].remediation == control.remediation
    assert cached.frameworks == fresh.frameworks
    assert list(cached.templates) == list(fresh.templates)
    for cid, template in fresh.templates.items():
        mine = cached.templates[cid]
        assert mine.text == template.text
        assert {k: expression_facts(v) for k, v in mine.fields.items()} == \
            {k: expression_facts(v) for k, v in template.fields.items()}


def test_second_load_comes_from_the_cache_and_equals_a_fresh_load(cache: Path) -> None:
    fresh, hit = load_catalog_cached()
    assert hit is False
    assert cache_file(cache).read_bytes().startswith(b"{")  # JSON, never pickle
    cached, hit = load_catalog_cached()
    assert hit is True
    assert len(cached.controls) == len(fresh.controls) > 90
    assert_same_catalog(cached, fresh)


def test_cached_controls_give_the_same_findings_on_every_fixture() -> None:
    fresh, _ = load_catalog_cached()
    cached, hit = load_catalog_cached()
    assert hit is True
    compared = 0
    for path in _fixture_files():
        data = yaml.safe_load(path.read_text())
        results = []
        for catalog in (fresh, cached):
            control = catalog.controls[path.parent.name.upper()]
            if data.get("params"):
                control = control.with_params(data["params"])
            asset = _asset(control.kind, data, path.stem)
            [finding] = evaluate([control], [asset], now=NOW, templates=catalog.templates).findings
            results.append(finding)
        assert results[0] == results[1], path
        compared += 1
    assert compared > 200


def test_a_changed_control_file_is_loaded_again(controls_dir: Path) -> None:
    assert load_catalog_cached(controls_dir)[1] is False
    assert load_catalog_cached(controls_dir)[1] is True
    path = controls_dir / "key-01.yaml"
    path.write_text(path.read_text().replace("rotate automatically", "rotate every year"))
    catalog, hit = load_catalog_cached(controls_dir)
    assert hit is False
    assert catalog.controls["KEY-01"].title == "Customer-managed KMS keys rotate every year"
    assert load_catalog_cached(controls_dir)[1] is True


def test_an_added_control_file_is_loaded_again(controls_dir: Path) -> None:
    load_catalog_cached(controls_dir)
    (controls_dir / "key-02.yaml").write_text(CONTROL.replace("KEY-01", "KEY-02"))
    catalog, hit = load_catalog_cached(controls_dir)
    assert hit is False and sorted(catalog.controls) == ["KEY-01", "KEY-02"]


def test_a_changed_asset_schema_or_framework_is_loaded_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    policies = tmp_path / "policies"
    shutil.copytree(policies_dir(), policies, ignore=shutil.ignore_patterns("pulumi"))
    monkeypatch.setenv("CLEARANCE_POLICIES", str(policies))
    assert load_catalog_cached()[1] is False
    assert load_catalog_cached()[1] is True
    schema = policies / "schema" / "assets" / "kms.key.schema.json"
    schema.write_text(schema.read_text() + "\n")
    assert load_catalog_cached()[1] is False
    framework = policies / "frameworks" / "soc2.yaml"
    framework.write_text(framework.read_text().replace("\nname: ", "\nname: Renamed ", 1))
    catalog, hit = load_catalog_cached()
    assert hit is False and catalog.frameworks["soc2"].name.startswith("Renamed ")


@pytest.mark.parametrize("garbage", [b"", b"{\"format\": 1, \"key\": \"", b"\x80\x81 not json", b"[1, 2]",
                                     b"{\"format\": 999, \"key\": \"x\"}"],
                         ids=["empty", "truncated", "binary", "not-a-mapping", "foreign-format"])
def test_a_corrupt_cache_file_is_ignored_and_rewritten(controls_dir: Path, cache: Path, garbage: bytes) -> None:
    fresh, _ = load_catalog_cached(controls_dir)
    cache_file(cache).write_bytes(garbage)
    catalog, hit = load_catalog_cached(controls_dir)
    assert hit is False
    assert_same_catalog(catalog, fresh)
    assert orjson.loads(cache_file(cache).read_bytes())["format"] == CACHE_FORMAT
    assert load_catalog_cached(controls_dir)[1] is True


def test_a_cache_file_of_the_right_key_with_mangled_content_is_ignored(controls_dir: Path, cache: Path) -> None:
    fresh, _ = load_catalog_cached(controls_dir)
    data = orjson.loads(cache_file(cache).read_bytes())
    for broken in ({**data, "controls": [{"fields": {"id": "KEY-01"}}]},
                   {**data, "controls": [dict(data["controls"][0], template=["{name}", {}])]},
                   {**data, "frameworks": [{"id": "soc2"}]}, {**data, "cwd": None}):
        cache_file(cache).write_bytes(orjson.dumps(broken))
        catalog, hit = load_catalog_cached(controls_dir)
        assert hit is False
        assert_same_catalog(catalog, fresh)


def test_an_unwritable_cache_folder_means_no_cache(controls_dir: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("CLEARANCE_CACHE_DIR", str(blocker / "cache"))
    with caplog.at_level(logging.DEBUG, logger="checks.catalog.cache"):
        first, hit = load_catalog_cached(controls_dir)
    assert hit is False and sorted(first.controls) == ["KEY-01"]
    assert len(caplog.records) == 1 and caplog.records[0].levelno == logging.DEBUG
    assert caplog.records[0].getMessage().startswith(f"catalog not cached in {blocker}/cache/catalog-")
    assert load_catalog_cached(controls_dir)[1] is False


def test_a_load_error_is_never_cached(controls_dir: Path, cache: Path) -> None:
    path = controls_dir / "key-01.yaml"
    good = path.read_text()
    path.write_text(good + "asert: typo\n")
    expected = [f"{path}:13: control KEY-01: field 'asert': unknown field (allowed: applies_if, assert, claim, "
                "description, frameworks, id, kind, message, params, reads, remediation, severity, tags, title)"]
    for _ in range(2):
        with pytest.raises(ControlLoadError) as info:
            load_catalog(controls_dir)
        assert info.value.errors == expected
    assert list(cache.glob("catalog-*.json")) == []
    path.write_text(good)
    load_catalog(controls_dir)
    assert load_catalog_cached(controls_dir)[1] is True
    path.write_text(good + "asert: typo\n")  # a good catalog cached before never hides the error
    with pytest.raises(ControlLoadError) as info:
        load_catalog(controls_dir)
    assert info.value.errors == expected


def test_values_json_would_change_are_not_cached(controls_dir: Path, cache: Path) -> None:
    path = controls_dir / "key-01.yaml"
    path.write_text(path.read_text().replace("params: {max_rotation_days: 365}",
                                             "params: {max_rotation_days: 365, since: [2026-01-01]}"))
    catalog, hit = load_catalog_cached(controls_dir)
    assert hit is False and catalog.controls["KEY-01"].params["since"][0].isoformat() == "2026-01-01"
    assert list(cache.glob("catalog-*.json")) == []
    assert load_catalog_cached(controls_dir)[1] is False


def test_file_names_follow_the_working_folder(controls_dir: Path, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert load_catalog_cached(controls_dir)[0].controls["KEY-01"].file == "controls/key-01.yaml"
    monkeypatch.chdir(controls_dir)
    catalog, hit = load_catalog_cached(controls_dir)
    assert hit is True and catalog.controls["KEY-01"].file == "key-01.yaml"
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")  # outside the working folder: the path as given
    catalog, hit = load_catalog_cached(controls_dir)
    assert hit is True and catalog.controls["KEY-01"].file == str(controls_dir / "key-01.yaml")


def test_cache_folder_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLEARANCE_CACHE_DIR", str(tmp_path / "mine"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_dir() == tmp_path / "mine"
    monkeypatch.setenv("CLEARANCE_CACHE_DIR", "")
    assert cache_dir() == tmp_path / "xdg" / "clearance"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert cache_dir() == tmp_path / "home" / ".cache" / "clearance"
