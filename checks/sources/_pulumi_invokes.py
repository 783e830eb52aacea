"""What invokes return under clearance's mocks: results of the right shape whose values are marked unknown.

Loaded by `_pulumi_child.py` by path, in the child process: standard library and the Pulumi SDK only, Python 3.9
syntax. A provider function (`aws.get_caller_identity()`, `aws.ec2.get_ami(...)`) cannot be answered without the
cloud, so every string field of its result is a marker, `clearance-unknown-<token>-<field>`, and list-of-string
fields are three markers, so that `names[0]` works. clearance turns every value that contains a marker into
unknown (`checks/sources/marks.py`). Fields that are arguments of the call echo the argument; numbers and booleans
that are not arguments are None (a marker cannot be a number). `aws:iam/getPolicyDocument` is rendered for real:
its result follows from its arguments alone.
"""

from __future__ import annotations

import importlib
import json
import typing
import warnings
from typing import Any

MARK = "clearance-unknown-"
LIST_LENGTH = 3
POLICY_DOCUMENT = "aws:iam/getPolicyDocument:getPolicyDocument"
REGION = "aws:index/getRegion:getRegion"
PARTITION = "aws:index/getPartition:getPartition"
_MAX_DEPTH = 4


def marker(token: str, field: str) -> str:
    return f"{MARK}{token}-{field}"


def invoke_result(token: str, args: dict, region: str | None) -> tuple[dict, str]:
    """The result of invoke `token` called with `args`, and how it was made: `known` (every value follows from the
    arguments), `marked` (values are markers) or `empty` (the result type is not known here)."""
    if token == POLICY_DOCUMENT:
        rendered = _policy_document(args)
        if rendered is not None:
            return rendered, "known"
    cls = _result_class(token)
    if cls is None:
        return {}, "empty"
    result = _fill(cls, token, args, "", 0)
    if token == POLICY_DOCUMENT:
        return result, "marked"
    if region and token in (REGION, PARTITION):  # the stack's configured `aws:region` is what the provider uses
        result.update(_region_facts(token, region))
    return result, "marked"


def _result_class(token: str) -> Any:
    """`aws:ec2/getAmi:getAmi` -> pulumi_aws.ec2.GetAmiResult (None when the package or class is not there)."""
    parts = token.split(":")
    if len(parts) != 3 or not parts[2]:
        return None
    package = "pulumi_" + parts[0].replace("-", "_")
    module = parts[1].split("/", 1)[0]
    name = parts[2][0].upper() + parts[2][1:] + "Result"
    candidates = [package] if module in ("index", "") else [f"{package}.{module}", package]
    for candidate in candidates:
        try:
            with warnings.catch_warnings():  # the program has imported the module already; no import-time noise
                warnings.simplefilter("ignore", DeprecationWarning)
                found = getattr(importlib.import_module(candidate), name, None)
        except ImportError:
            continue
        if found is not None:
            return found
    return None


def _types(cls: Any) -> dict:
    """Pulumi field name -> declared type, Optional[...] kept where this SDK can tell (optional fields of a
    result are mostly the function's own arguments: they are echoed when given and left out otherwise)."""
    try:
        from pulumi import _types
    except ImportError:
        return {}
    try:
        return dict(_types._raw_return_hints(cls))
    except (AttributeError, AssertionError, NameError, TypeError):
        pass
    try:
        return dict(_types.output_type_types(cls))
    except (AttributeError, AssertionError, NameError, TypeError):
        return {}


def _fill(cls: Any, token: str, args: Any, prefix: str, depth: int) -> dict:
    """Every field of output type `cls`: the argument of the same name when given, else a marked value."""
    given = args if isinstance(args, dict) else {}
    out: dict = {}
    for name, typ in _types(cls).items():
        if given.get(name) is not None:
            out[name] = given[name]
            continue
        value = _value(typ, token, prefix + name, depth)
        if value is not None:
            out[name] = value
    return out


def _value(typ: Any, token: str, field: str, depth: int) -> Any:
    if _unwrap_optional(typ) is not typ:
        return None  # optional: an argument not given, or a field the provider may leave out
    if typ is str:
        return marker(token, field)
    origin = typing.get_origin(typ)
    type_args = typing.get_args(typ)
    if origin is not None and origin in (list, tuple, typing.Sequence, _abc_sequence()) and type_args:
        item = _unwrap_optional(type_args[0])
        if item is str:
            return [marker(token, f"{field}-{i}") for i in range(LIST_LENGTH)]
        if depth < _MAX_DEPTH and _is_output_type(item):
            return [_fill(item, token, None, f"{field}-0-", depth + 1)]
        return []
    if origin is not None and origin in (dict, typing.Mapping, _abc_mapping()):
        return {}
    if depth < _MAX_DEPTH and _is_output_type(typ):
        return _fill(typ, token, None, f"{field}-", depth + 1)
    return None  # numbers, booleans, anything else: unknown, never invented


def _unwrap_optional(typ: Any) -> Any:
    type_args = typing.get_args(typ)
    if typing.get_origin(typ) is typing.Union and len(type_args) == 2 and type(None) in type_args:
        return type_args[0] if type_args[1] is type(None) else type_args[1]
    return typ


def _abc_sequence() -> Any:
    import collections.abc

    return collections.abc.Sequence


def _abc_mapping() -> Any:
    import collections.abc

    return collections.abc.Mapping


def _is_output_type(typ: Any) -> bool:
    try:
        from pulumi import _types

        return isinstance(typ, type) and bool(_types.is_output_type(typ))
    except (AttributeError, ImportError):
        return False


def _region_facts(token: str, region: str) -> dict:
    if token == REGION:
        return {"name": region, "region": region, "id": region}
    partition, suffix = "aws", "amazonaws.com"
    if region.startswith("cn-"):
        partition, suffix = "aws-cn", "amazonaws.com.cn"
    elif region.startswith("us-gov-"):
        partition = "aws-us-gov"
    reverse = ".".join(reversed(suffix.split(".")))
    return {"partition": partition, "dnsSuffix": suffix, "reverseDnsPrefix": reverse, "id": partition}


# ---------------------------------------------------------------- aws.iam.get_policy_document


def _policy_document(args: dict) -> dict | None:
    """The policy JSON as the provider renders it, or None when it depends on documents not rendered here."""
    if any(args.get(k) for k in ("sourcePolicyDocuments", "overridePolicyDocuments", "sourceJson", "overrideJson")):
        return None
    statements = []
    for st in args.get("statements") or []:
        if not isinstance(st, dict):
            return None
        statements.append(_statement(st))
    document: dict = {"Version": args.get("version") or "2012-10-17"}
    if args.get("policyId"):
        document["Id"] = args["policyId"]
    document["Statement"] = statements
    return {"id": _digest(document), "json": json.dumps(document, indent=2), "minifiedJson":
            json.dumps(document, separators=(",", ":")), "statements": args.get("statements") or [],
            "version": document["Version"]}


def _statement(st: dict) -> dict:
    out: dict = {}
    if st.get("sid"):
        out["Sid"] = st["sid"]
    out["Effect"] = st.get("effect") or "Allow"
    for key, field in (("actions", "Action"), ("notActions", "NotAction"), ("resources", "Resource"),
                       ("notResources", "NotResource")):
        if st.get(key):
            out[field] = _one_or_list(st[key])
    for key, field in (("principals", "Principal"), ("notPrincipals", "NotPrincipal")):
        if st.get(key):
            out[field] = _principals(st[key])
    if st.get("conditions"):
        conditions: dict = {}
        for cond in st["conditions"]:
            test = conditions.setdefault(str(cond.get("test")), {})
            test[str(cond.get("variable"))] = _one_or_list(cond.get("values") or [])
        out["Condition"] = conditions
    return out


def _principals(principals: list) -> Any:
    merged: dict = {}
    for p in principals:
        merged.setdefault(str(p.get("type")), []).extend(p.get("identifiers") or [])
    if list(merged) == ["*"] and merged["*"] == ["*"]:
        return "*"
    return {kind: _one_or_list(ids) for kind, ids in merged.items()}


def _one_or_list(values: Any) -> Any:
    if isinstance(values, list):
        unique = list(dict.fromkeys(v for v in values if isinstance(v, str)))
        return unique[0] if len(unique) == 1 else unique
    return values


def _digest(document: dict) -> str:
    import hashlib

    return str(int(hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()[:8], 16))
