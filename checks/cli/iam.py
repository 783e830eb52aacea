"""`clearance iam-policy`: the least-privilege read-only policy the scan needs; with `--organization`, what a scan of
every account of an AWS Organization needs (checks/org/policy.py): the management-side policy, the member role and
its trust policy, and the StackSet or Pulumi program that deploys the role into every account."""

from enum import StrEnum
from typing import Annotated

import typer

from checks.cli.common import split_values
from checks.errors import InputError

DEFAULT_ROLE_NAME = "ClearanceScan"  # checks.org.roles.DEFAULT_ROLE_NAME (not imported: start-up, issue 13)


class Template(StrEnum):
    STACKSET = "stackset"
    PULUMI = "pulumi"


def iam_policy(
    services: Annotated[list[str], typer.Option("--services", metavar="SERVICE",
                                                help="Only these collectors.")] = [],  # noqa: B006
    organization: Annotated[bool, typer.Option(
        "--organization",
        help="Print what a scan of every account of an AWS Organization needs, as one JSON document: "
             "ManagementPolicy (for the scanning identity: list the accounts, assume the member role), MemberRole "
             "(its name, trust policy and the read-only policy) and StackSetTemplate (a CloudFormation template that "
             "deploys the role; ScannerArn and ExternalId are its parameters).")] = False,
    role_name: Annotated[str, typer.Option(
        "--role-name", metavar="NAME",
        help="The member role's name (path/Name for a path), as `clearance scan --role-name` assumes it.")]
    = DEFAULT_ROLE_NAME,
    external_id: Annotated[str | None, typer.Option(
        "--external-id", metavar="TEXT",
        help="The sts:ExternalId the member role requires (the ExternalId parameter's default); none if not given.")]
    = None,
    scanner_arn: Annotated[str | None, typer.Option(
        "--scanner-arn", metavar="ARN",
        help="The identity that scans (a role or user ARN), which the member role trusts: the ScannerArn parameter's "
             "default. Without it, the template asks for ScannerArn and MemberRole names a <SCANNER_ARN: ...> "
             "placeholder.")] = None,
    template: Annotated[Template, typer.Option(
        "--template", metavar="stackset|pulumi", case_sensitive=False,
        help="What deploys the role, after the policies (with --organization): stackset (StackSetTemplate, the "
             "CloudFormation template) or pulumi (PulumiProgram: the files Pulumi.yaml, __main__.py and "
             "stackset.json of a Pulumi program that deploys that template as a StackSet; write each to a folder, "
             "e.g. with jq -r '.PulumiProgram[\"__main__.py\"]').")] = Template.STACKSET,
) -> None:
    """Print the least-privilege read-only IAM policy that `clearance scan` needs, derived from the collectors; with
    --organization, the policies, member role and StackSet a scan of every account of an organization needs."""
    import json

    from checks.collectors import load_collectors
    from checks.collectors.base import iam_policy as policy_of

    known = load_collectors()
    chosen = split_values(services) or tuple(sorted(known))
    bad = [s for s in chosen if s not in known]
    if bad:
        raise InputError(f"unknown service '{bad[0]}' (known: {', '.join(sorted(known))})", where="--services")
    policy = policy_of(known[s] for s in chosen)
    if not organization:
        given = [name for name, value in (("--role-name", role_name != DEFAULT_ROLE_NAME),
                                          ("--external-id", external_id), ("--scanner-arn", scanner_arn),
                                          ("--template", template != Template.STACKSET)) if value]
        if given:
            raise InputError("only used with --organization", where=given[0],
                             hint="add --organization to print the organization's policies and member role")
        print(json.dumps(policy, indent=2))
        return
    from checks.org.policy import organization_document

    document = organization_document(policy, role_name=role_name, scanner=scanner_arn, external_id=external_id,
                                     template=template.value)
    print(json.dumps(document, indent=2))
    if scanner_arn is None:
        from checks.cli.common import make_console

        make_console(stderr=True).print(
            "note: no --scanner-arn: MemberRole trusts a <SCANNER_ARN: ...> placeholder, and the template's "
            "ScannerArn parameter has no default (give it when deploying)", markup=False)
