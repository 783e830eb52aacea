"""The environment of a test that runs a sandbox in its own process: fake credentials, and nothing in the
environment (an endpoint, a profile, moto's account) that could send a call elsewhere or change what moto answers."""

from __future__ import annotations

import os

import pytest


def fake_aws_env(mp: pytest.MonkeyPatch) -> None:
    for key in list(os.environ):
        if key.startswith("AWS_ENDPOINT_URL") or key in ("AWS_PROFILE", "MOTO_ACCOUNT_ID"):
            mp.delenv(key)
    mp.setenv("AWS_ACCESS_KEY_ID", "testing")
    mp.setenv("AWS_SECRET_ACCESS_KEY", "testing")
