"""clearance's CrossGuard policy pack: one stack policy per control of the catalog (checks/flows/crossguard.py).

Run `CLEARANCE_PROGRAM=$PWD pulumi preview --policy-pack <this folder>` in the program's folder. CLEARANCE_PROGRAM
names the folder clearance.toml, waivers and the security-group review register are found from, as `clearance check`
finds them (a policy pack runs in its own folder, not the program's).
"""

import os
import sys
from pathlib import Path

from pulumi_policy import PolicyPack
from pulumi_policy.proxy import UnknownValueError

from checks.errors import ClearanceError
from checks.flows.crossguard import PACK_NAME, PackEvaluator, policy_pack_policies

evaluator = PackEvaluator(Path(os.environ.get("CLEARANCE_PROGRAM") or Path.cwd()), unknown_errors=(UnknownValueError,))
try:
    policies = policy_pack_policies(evaluator)  # reads the catalog and the project's settings, waivers and register
except ClearanceError as err:
    sys.exit(f"clearance policy pack: {err.render()}")
PolicyPack(PACK_NAME, policies=policies)
