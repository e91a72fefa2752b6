"""Akhbar: an annotated corpus of Arabic news articles, and its tools."""

__version__ = "0.1.0"
