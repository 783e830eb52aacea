"""Lambda appliers: functions.

The function's code is not available to the sandbox: a program's `code` archive (a FileArchive, AssetArchive ...) is
read by Pulumi from disk and is unknown to clearance's plan, and an `s3Bucket`/`s3Key` object was uploaded by
something else. The sandbox therefore creates every zip function from one minimal in-memory zip (a handler that
returns None); nothing reads a function's code (SEC-02 reads its environment variables, NET-17 its VPC
configuration), and the state export keeps the program's `code` as unknown. A container-image function
(`packageType: Image`) is created with its declared `imageUri`. Everything else is created as declared: the
environment variables, the VPC configuration, the KMS key, tags, memory, timeout, layers ...

`role` must be an ARN for Lambda; a role the program declares is handed over by its name (the prop `role` means a
role name for aws.iam.RolePolicy and its kin), so a name is resolved to the role's ARN with GetRole.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping
from typing import Any

from checks.sandbox.context import Applier, ApplyContext, Outputs, drop_none

PLACEHOLDER_HANDLER = "def handler(event, context):\n    return None\n"


def placeholder_zip(handler: str | None) -> bytes:
    """A zip with one module that defines the declared handler (`module.function`), returning None."""
    module, _, function = (handler or "index.handler").rpartition(".")
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{(module or 'index').replace('.', '/')}.py",
                         PLACEHOLDER_HANDLER.replace("handler", function or "handler", 1))
    return data.getvalue()


def _role_arn(ctx: ApplyContext, role: str) -> str:
    if role.startswith("arn:"):
        return role
    return str(ctx.client("iam").get_role(RoleName=role)["Role"]["Arn"])


def _vpc_config(config: Any) -> dict[str, Any] | None:
    if not isinstance(config, Mapping):
        return None
    return drop_none(SubnetIds=list(config.get("subnetIds") or []),
                     SecurityGroupIds=list(config.get("securityGroupIds") or []),
                     Ipv6AllowedForDualStack=config.get("ipv6AllowedForDualStack"))


def _nested(props: Mapping[str, Any], key: str, *pairs: tuple[str, str]) -> dict[str, Any] | None:
    """A nested block (`tracingConfig: {mode}` -> {Mode}) with the keys the program set, None without any."""
    block = props.get(key)
    if not isinstance(block, Mapping):
        return None
    return drop_none(**{api: block.get(k) for k, api in pairs}) or None


def _code(props: Mapping[str, Any]) -> dict[str, Any]:
    if props.get("packageType") == "Image":
        return {"ImageUri": props["imageUri"]}
    return {"ZipFile": placeholder_zip(props.get("handler"))}


def function(props: Mapping[str, Any], ctx: ApplyContext) -> tuple[str, Outputs]:
    lam = ctx.client("lambda")
    name = ctx.physical_name(props, max_len=64)
    role = _role_arn(ctx, str(props["role"]))
    environment = props.get("environment") if isinstance(props.get("environment"), Mapping) else {}
    variables = (environment or {}).get("variables")
    made = lam.create_function(FunctionName=name, Role=role, Code=_code(props), **drop_none(
        Runtime=props.get("runtime"), Handler=props.get("handler"), Description=props.get("description"),
        Timeout=props.get("timeout"), MemorySize=props.get("memorySize"), Publish=props.get("publish"),
        PackageType=props.get("packageType"), KMSKeyArn=props.get("kmsKeyArn"),
        Environment={"Variables": {str(k): str(v) for k, v in variables.items()}}
        if isinstance(variables, Mapping) else None,
        VpcConfig=_vpc_config(props.get("vpcConfig")), Architectures=props.get("architectures"),
        Layers=props.get("layers"), CodeSigningConfigArn=props.get("codeSigningConfigArn"),
        Tags={str(k): str(v) for k, v in props["tags"].items()} if props.get("tags") else None,
        DeadLetterConfig=_nested(props, "deadLetterConfig", ("targetArn", "TargetArn")),
        TracingConfig=_nested(props, "tracingConfig", ("mode", "Mode")),
        EphemeralStorage=_nested(props, "ephemeralStorage", ("size", "Size")),
        ImageConfig=_nested(props, "imageConfig", ("commands", "Command"), ("entryPoints", "EntryPoint"),
                            ("workingDirectory", "WorkingDirectory")),
        SnapStart=_nested(props, "snapStart", ("applyOn", "ApplyOn")),
        LoggingConfig=_nested(props, "loggingConfig", ("logFormat", "LogFormat"), ("logGroup", "LogGroup"),
                              ("applicationLogLevel", "ApplicationLogLevel"), ("systemLogLevel", "SystemLogLevel")),
        FileSystemConfigs=[{"Arn": props["fileSystemConfig"]["arn"],
                            "LocalMountPath": props["fileSystemConfig"]["localMountPath"]}]
        if isinstance(props.get("fileSystemConfig"), Mapping) else None))
    if props.get("reservedConcurrentExecutions") not in (None, -1):  # -1: the provider's "unreserved"
        lam.put_function_concurrency(FunctionName=name,
                                     ReservedConcurrentExecutions=int(props["reservedConcurrentExecutions"]))
    arn = made["FunctionArn"]
    return name, {"arn": arn, "name": name, "role": role, "version": made.get("Version"),
                  "qualifiedArn": f"{arn}:{made.get('Version')}" if made.get("Version") else None,
                  "invokeArn": f"arn:aws:apigateway:{ctx.region}:lambda:path/2015-03-31/functions/{arn}/invocations",
                  "kmsKeyArn": made.get("KMSKeyArn")}  # no sourceCodeHash: the code is the placeholder's


APPLIERS: dict[str, Applier] = {
    "aws:lambda/function:Function": function,
}
