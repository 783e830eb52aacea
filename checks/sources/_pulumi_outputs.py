"""JSON documents built from outputs not known at plan time, kept as documents (runs in the Pulumi child only).

`pulumi.Output.json_dumps` gives one unknown string as soon as anything inside is unknown (an ARN AWS assigns, a
database address): the whole container definition or policy document is then unknown, and nothing in it can be
judged. Under clearance's mocks it renders the document instead, with every part that is not known replaced by the
marker `clearance-unknown-output`. The captured input is therefore a string containing a marker, which the parent
makes UNKNOWN like any other marked value (`checks/sources/marks.py`), and keeps as text (`RawResource.partial`) for
the normalizers that parse documents: only the marked parts of the document are unknown there. A document with a
secret inside stays a secret (and is never kept as text).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

MARK_OUTPUT = "clearance-unknown-output"  # starts with the marker prefix of _pulumi_invokes and marks.py


def install(pulumi: Any) -> None:
    """Replace `pulumi.Output.json_dumps` for this process."""
    from pulumi.output import Unknown

    output_type = pulumi.Output

    async def resolve(value: Any, seen: dict[str, Any]) -> Any:
        if isinstance(value, output_type):
            data = await value._data  # noqa: SLF001 - the SDK's own json_dumps reads it the same way
            seen["secret"] = seen["secret"] or data.is_secret
            seen["resources"] |= set(data.resources)
            return MARK_OUTPUT if data.value is None and not data.is_known else await resolve(data.value, seen)
        if isinstance(value, Unknown):
            return MARK_OUTPUT
        if asyncio.isfuture(value) or asyncio.iscoroutine(value):
            return await resolve(await value, seen)
        if isinstance(value, dict):
            return {k: await resolve(v, seen) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [await resolve(v, seen) for v in value]
        return value

    def json_dumps(obj: Any, **kwargs: Any) -> Any:
        seen: dict[str, Any] = {"secret": False, "resources": set()}

        async def text() -> str:
            return json.dumps(await resolve(obj, seen), **kwargs)

        rendered = asyncio.ensure_future(text())

        async def known() -> bool:
            await rendered
            return True

        async def secret() -> bool:
            await rendered
            return bool(seen["secret"])

        async def resources() -> set[Any]:
            await rendered
            return set(seen["resources"])

        return output_type(resources(), rendered, known(), secret())

    output_type.json_dumps = staticmethod(json_dumps)
