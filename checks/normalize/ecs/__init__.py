"""normalize/ecs"""
