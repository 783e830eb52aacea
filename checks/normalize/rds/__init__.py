"""normalize/rds"""
