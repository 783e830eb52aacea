"""The same synthetic estate written twice: as a `pulumi preview --json` file for clearance and as a Terraform plan
(`terraform show -json`) for checkov, so the two tools judge the same resources.

Usage: python bench/estate_files.py --resources 1000 --out DIR   (writes DIR/preview.json and DIR/plan.json)
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

PROVIDER = "urn:pulumi:bench::bench::pulumi:providers:aws::default_6_66_0"
PROVIDER_REF = f"{PROVIDER}::04da6b54-80e4-46f7-96ec-b56ff0331ba9"


def _wire(value: Any) -> Any:
    """UNKNOWN -> the preview's unknown sentinel (what `pulumi preview --json` writes for a computed value)."""
    from checks.model import UNKNOWN
    from checks.raw import UNKNOWN_SENTINEL

    if value is UNKNOWN:
        return UNKNOWN_SENTINEL
    if isinstance(value, dict):
        return {k: _wire(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_wire(v) for v in value]
    return value


def preview_document(resources: int) -> dict[str, Any]:
    from estate import make_estate

    steps: list[dict[str, Any]] = [{
        "op": "create", "urn": PROVIDER,
        "newState": {"type": "pulumi:providers:aws", "urn": PROVIDER, "custom": True,
                     "inputs": {"region": "eu-west-1"}}}]
    for raw in make_estate(resources):
        steps.append({"op": "create", "urn": raw.urn, "newState": {
            "type": raw.type, "urn": raw.urn, "custom": True, "provider": PROVIDER_REF,
            "inputs": _wire(raw.props), "dependencies": list(raw.dependencies),
            "propertyDependencies": {k: list(v) for k, v in raw.property_dependencies.items()}}})
    return {"config": {"aws:region": "eu-west-1"}, "steps": steps,
            "changeSummary": {"create": len(steps)}}


def plan_document(resources: int) -> dict[str, Any]:
    from estate import make_estate

    from checks.terraform.to_plan import to_terraform_plan

    return to_terraform_plan(make_estate(resources)).plan


def write(resources: int, out: Path) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    preview, plan = out / "preview.json", out / "plan.json"
    preview.write_text(json.dumps(preview_document(resources)), encoding="utf-8")
    plan.write_text(json.dumps(plan_document(resources)), encoding="utf-8")
    return preview, plan


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--resources", type=int, default=1000)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    for path in write(args.resources, args.out):
        print(path)


if __name__ == "__main__":
    main()
