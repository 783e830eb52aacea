"""The sandbox server's memoized moto lookups (checks/sandbox/moto_speed.py) give moto's own answers."""

from __future__ import annotations

import inspect

from checks.sandbox import moto_speed


def test_the_memoized_lookups_answer_as_moto_does() -> None:
    from moto import backends
    from moto.core import responses, utils
    from moto.kms.responses import KmsResponse
    from moto.s3.responses import S3Response

    listed = sorted(backends.list_of_moto_modules())
    assert moto_speed.quicken() and moto_speed.quicken()  # idempotent
    assert sorted(backends.list_of_moto_modules()) == listed and "kms" in listed and "s3" in listed
    for clazz in (KmsResponse, S3Response):
        names = responses.method_names_from_class(clazz)
        assert set(names) == {n for n, _ in inspect.getmembers(clazz, inspect.isfunction)}
        assert set(names) == set(utils.method_names_from_class(clazz))  # moto's own function is left as it was
        assert responses.method_names_from_class(clazz) is names  # computed once
    assert "describe_key" in responses.method_names_from_class(KmsResponse)
