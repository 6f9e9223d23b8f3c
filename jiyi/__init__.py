"""Jiyi (记忆): archival holdings → a linked-data graph, IIIF manifests and online exhibitions."""

__version__ = "0.1.0"
