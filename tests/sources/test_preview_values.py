"""The preview's one-pass conversion of planned inputs equals the three walks it replaced: `convert_props`, then
`_blind`, with the `[secret]` count of `_count_blinded` over the inputs as parsed."""

from __future__ import annotations

import copy
import random
from pathlib import Path
from typing import Any

import pytest

from checks.errors import InputError
from checks.model import UNKNOWN, Secret
from checks.raw import SECRET_SIG, SIG_KEY, UNKNOWN_SENTINEL
from checks.sources.jsonfile import FileKind, JsonFile
from checks.sources.preview import _blind, _count_blinded, _planned_props
from checks.sources.state import convert_props

FILE = JsonFile(Path("preview.json"), FileKind.PREVIEW, {})
LEAVES: list[Any] = ["[secret]", UNKNOWN_SENTINEL, "text", "", 3, 2.0, 2.5, True, False, None, -0.0]


def _reference(inputs: Any) -> tuple[Any, int]:
    return _blind(convert_props(copy.deepcopy(inputs), FILE, "steps[0].newState.inputs")), _count_blinded(inputs)


def _value(rng: random.Random, depth: int) -> Any:
    roll = rng.random()
    if depth > 3 or roll < 0.45:
        return rng.choice(LEAVES)
    if roll < 0.6:
        return [_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    if roll < 0.7:  # a secret with its value, with a plaintext, or ciphertext only; or an asset
        kind = rng.randrange(4)
        if kind == 0:
            return {SIG_KEY: SECRET_SIG, "value": _value(rng, depth + 1)}
        if kind == 1:
            return {SIG_KEY: SECRET_SIG, "plaintext": rng.choice(['"[secret]"', '{"a": "[secret]"}', "x", "[secret]"])}
        if kind == 2:
            return {SIG_KEY: SECRET_SIG, "ciphertext": "[secret]"}
        return {SIG_KEY: "asset-sig", "path": "[secret]"}
    obj = {f"k{i}": _value(rng, depth + 1) for i in range(rng.randrange(4))}
    if rng.random() < 0.2:
        obj["__defaults"] = rng.choice([["[secret]", "name"], [], "[secret]"])
    return obj


@pytest.mark.parametrize("seed", range(300))
def test_one_pass_equals_the_three_walks(seed: int) -> None:
    rng = random.Random(seed)
    inputs = {f"p{i}": _value(rng, 0) for i in range(rng.randrange(6))}
    if rng.random() < 0.3:
        inputs[rng.choice(["__defaults", "__meta"])] = rng.choice([["[secret]"], {"a": "[secret]"}, "x"])
    expected, expected_count = _reference(inputs)
    props, count = _planned_props(inputs, FILE, "steps[0]")
    assert (props, count) == (expected, expected_count)
    assert repr(props) == repr(expected)  # same types too: 2.0 became 2, Secret stays Secret


def test_examples() -> None:
    inputs = {"__defaults": ["name"], "name": "[secret]", "size": 20.0, "id": UNKNOWN_SENTINEL,
              "tags": {"__defaults": [], "team": "[secret]"},
              "password": {SIG_KEY: SECRET_SIG, "value": "hunter2"},
              "token": {SIG_KEY: SECRET_SIG, "value": "[secret]"}, "rules": [{"cidr": "[secret]"}, 1.5]}
    props, count = _planned_props(inputs, FILE, "steps[4]")
    assert props == {"name": UNKNOWN, "size": 20, "id": UNKNOWN, "tags": {"team": UNKNOWN},
                     "password": Secret("hunter2"), "token": UNKNOWN, "rules": [{"cidr": UNKNOWN}, 1.5]}
    assert type(props["size"]) is int
    assert count == 4


def test_missing_inputs_are_no_props_and_other_values_an_error() -> None:
    assert _planned_props(None, FILE, "steps[0]") == ({}, 0)
    with pytest.raises(InputError) as err:
        _planned_props(["x"], FILE, "steps[7]")
    assert err.value.message == ("steps[7].newState.inputs is not an object: the file is not a complete preview; "
                                 "regenerate it with 'pulumi preview --json > preview.json'")
