"""Run a Pulumi program under mocks again, this time answering with the sandbox's real ids and outputs.

`clearance sandbox apply` starts this script in a child process: `python _replay_child.py ARGS.json`. ARGS.json is
what `checks/sources/_pulumi_child.py` reads, plus `child_script` (that script's path) and `replay` (a JSON file
{"<type>::<name>": {"id": ..., "outputs": {...}}} of the resources already created). It loads that script, makes
the mocks answer the known resources with their real id and outputs (merged over the inputs), and runs it: values a
program computes with `apply()` from those outputs (a policy JSON, container definitions) are then known.

Like `_pulumi_child.py`, it imports only the standard library and the Pulumi SDK (it may run under the program's own
interpreter) and keeps to Python 3.9 syntax.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from typing import Any


def _answer_known(known: dict[str, Any]) -> None:
    try:
        from pulumi.runtime import mocks
    except ImportError:
        return  # the child reports the missing SDK itself
    original = mocks.set_mocks

    def set_mocks(mock: Any, *args: Any, **kwargs: Any) -> Any:
        base = mock.new_resource

        def new_resource(res: Any) -> Any:
            rec = known.get(f"{res.typ}::{res.name}")
            if rec is None:
                return base(res)
            outputs = dict(res.inputs)
            outputs.update(rec["outputs"])
            return rec["id"], outputs

        mock.new_resource = new_resource
        return original(mock, *args, **kwargs)

    mocks.set_mocks = set_mocks  # type: ignore[assignment]


def main(argv: list[str]) -> int:
    with open(argv[1], encoding="utf-8") as fh:
        args = json.load(fh)
    with open(args["replay"], encoding="utf-8") as fh:
        known = json.load(fh)
    spec = importlib.util.spec_from_file_location("_pulumi_child", args["child_script"])
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {args['child_script']}")
    child = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(child)
    _answer_known(known)
    return int(child.main(argv))


if __name__ == "__main__":
    code = main(sys.argv)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # as _pulumi_child.py: skip the SDK's noisy interpreter teardown
