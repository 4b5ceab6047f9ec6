"""Building a cycle folder: the loop, its output kinds, its inputs, the manifest, ``validate``."""
