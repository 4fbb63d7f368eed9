"""IMR Final Determination Letter workers."""

__version__ = "0.1.0"
