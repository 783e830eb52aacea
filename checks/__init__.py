"""clearance: compliance-as-code checks for AWS estates defined with Pulumi."""

from importlib.metadata import PackageNotFoundError, version


def tool_version() -> str:
    try:
        return version("clearance")
    except PackageNotFoundError:
        return "0.0.0+unknown"
