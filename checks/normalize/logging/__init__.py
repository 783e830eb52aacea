"""normalize/logging"""
