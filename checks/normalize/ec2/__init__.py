"""normalize/ec2"""
