"""Lambda functions of one account and region: list_functions (batch: the environment variables and the VPC
configuration come with it), then list_tags per function (no batch; NET-17 decides by a tag).

The environment variables' values are readable by whoever may list the functions. They never leave this module:
the raw resource keeps only the variables' names and the names of those that keep a secret in plain text
(`live_types.plaintext_secret`). When Lambda could not decrypt the environment (`Environment.Error`), the variables
were not read: the error names Lambda's error code only, never its message.
"""

from __future__ import annotations

from typing import Any

from checks.collectors.answers import listed, well_formed
from checks.collectors.base import CollectResult, Scope, call, collector, paginate
from checks.live_types import LAMBDA_FUNCTION, plaintext_secret
from checks.model import SourceKind
from checks.raw import RawResource

OPERATIONS = ("lambda:ListFunctions", "lambda:ListTags")


@collector("lambda", OPERATIONS, types=(LAMBDA_FUNCTION,))
def collect(scope: Scope) -> CollectResult:
    client = scope.client("lambda")
    functions, list_error = paginate(client, "list_functions", "Functions")
    errors = listed(scope, "lambda:ListFunctions", list_error, LAMBDA_FUNCTION)
    functions, malformed = well_formed(scope, "lambda:ListFunctions", functions, ("FunctionArn", "FunctionName"),
                                       LAMBDA_FUNCTION)
    errors += malformed
    return CollectResult(tuple(scope.map(lambda f: _function(scope, client, f), functions)), tuple(errors))


def environment_facts(environment: Any) -> tuple[list[str], list[str], str | None]:
    """(variable names, names of the plain-text secrets, the reason the variables were not read); no value."""
    environment = environment if isinstance(environment, dict) else {}
    failure = environment.get("Error")
    if isinstance(failure, dict) and failure:
        code = failure.get("ErrorCode") or "Error"
        return [], [], f"{code} lambda:ListFunctions (Lambda could not decrypt the environment variables)"
    variables = environment.get("Variables")
    variables = variables if isinstance(variables, dict) else {}
    names = sorted(str(k) for k in variables)
    return names, sorted(str(k) for k, v in variables.items() if plaintext_secret(str(k), str(v))), None


def _function(scope: Scope, client: Any, f: dict[str, Any]) -> RawResource:
    errors: dict[str, str] = {}
    arn = f["FunctionArn"]
    names, secrets, env_error = environment_facts(f.get("Environment"))
    if env_error:
        errors["Environment"] = env_error
    tags = call(client, "list_tags", Resource=arn)
    if tags.error:
        errors["ListTags"] = tags.error
    vpc: dict[str, Any] = f["VpcConfig"] if isinstance(f.get("VpcConfig"), dict) else {}
    props = {"arn": arn, "name": f["FunctionName"], "region": scope.region, "account": scope.account,
             "vpcConfig": {"SubnetIds": list(vpc.get("SubnetIds") or []),
                                                  "SecurityGroupIds": list(vpc.get("SecurityGroupIds") or []),
                                                  "VpcId": vpc.get("VpcId")},
             "variableNames": names, "plaintextSecretVariables": secrets,
             "tags": dict((tags.result or {}).get("Tags") or {})}
    return RawResource(type=LAMBDA_FUNCTION, urn=arn, name=f["FunctionName"], props=props, source=SourceKind.LIVE,
                       id=arn, errors=errors)
