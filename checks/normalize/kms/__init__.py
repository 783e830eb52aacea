"""normalize/kms"""
