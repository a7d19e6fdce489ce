"""The ground: layer kinds, catalogs, readers, CRS and Chinese coordinates, the demo region.

``layers`` imports nothing else of this project; ``geo`` and ``maps`` build on it.
"""
