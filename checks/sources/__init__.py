"""Sources: produce raw resources from a Pulumi program, a preview file or a state file."""
