"""normalize/elbv2"""
