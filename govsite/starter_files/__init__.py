"""The files `govsite init` writes, one set of words per language (starter.py)."""
