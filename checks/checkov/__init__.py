"""checkov beside clearance (`clearance check --with-checkov`): run checkov's CLI on a Terraform plan converted from
the Pulumi resources (runner.py) and merge its results into clearance's report (merge.py). See docs/checkov.md."""
