"""govsite: a static site generator for public governance transparency."""

__version__ = "0.3.0"
