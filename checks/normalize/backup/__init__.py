"""normalize/backup"""
