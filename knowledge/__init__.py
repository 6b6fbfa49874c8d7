"""What the assistant knows: shipped documents, loaders, the catalog, projects (SQLite).

This package never imports `retrieval` or `bot`.
"""
