"""Data sets that ship with glassnet (no download needed)."""

from . import mnist

__all__ = ["mnist"]
