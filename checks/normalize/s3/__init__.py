"""normalize/s3"""
