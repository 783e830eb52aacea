"""Terraform: the Pulumi <-> Terraform type table, Terraform plan JSON from raw resources and back."""
