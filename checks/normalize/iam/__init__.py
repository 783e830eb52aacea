"""normalize/iam"""
