"""Work the moto server repeats on every request although its answer never changes, done once per process (issue 13).

For every request, moto 5.2.5's server:
- lists its own package folder to tell whether the Host header names a backend (`moto.backends.
  list_of_moto_modules`: a listdir and some 190 stat calls);
- collects the response class's method names with `inspect.getmembers` to tell whether the action is implemented
  (`method_names_from_class`, as `moto.core.responses` imported it).
Both depend only on the installed package and on a class: memoized here, they cost nothing after the first request.
Measured on this machine, one process holding a sandbox server and its client, 800 calls (KMS DescribeKey, S3
GetBucketLocation and GetBucketTagging): 4.1-4.2 s of CPU before, 2.6-2.9 s after. The answers are unchanged (the
module list is the same tuple; the method names are tested by membership only).

`quicken()` is called where a sandbox server is built (checks/sandbox/server.py), never at import. With another moto
whose functions are not where 5.2.5 has them, it changes nothing.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any

_DONE: list[bool] = []  # set once quicken() has run in this process


def quicken() -> bool:
    """Memoize the two per-request lookups; True when they are memoized (now or before)."""
    if _DONE:
        return True
    from moto import backends
    from moto.core import responses

    listed: Callable[[], Iterable[str]] | None = getattr(backends, "list_of_moto_modules", None)
    names: Callable[[Any], list[str]] | None = getattr(responses, "method_names_from_class", None)
    if listed is None or names is None:
        return False
    modules = tuple(listed())
    backends.list_of_moto_modules = lambda: modules
    responses.method_names_from_class = functools.lru_cache(maxsize=None)(  # type: ignore[assignment]
        lambda clazz: frozenset(names(clazz)))
    _DONE.append(True)
    return True
