"""Many accounts (issue 14): the accounts of an AWS Organization or a given list (accounts.py), one boto3 session per
account from the role assumed there (roles.py), and what `clearance iam-policy --organization` prints: the
management-side policy, the member role and the StackSet or Pulumi program that deploys it (policy.py)."""
