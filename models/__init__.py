"""Tortoise models: fields, indexes and small properties only (no HTTP, no JSON-LD).

Model docstrings become SQL table comments, and the migration runner splits SQL on semicolons:
keep semicolons out of model docstrings.
"""
