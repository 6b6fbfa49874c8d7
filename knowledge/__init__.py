"""What the assistant knows: shipped documents, loaders, metadata, projects (SQLite).

This package never imports `retrieval` or `bot`.
"""
