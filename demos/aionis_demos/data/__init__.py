"""Data files shipped with the demos (JSON, loaded with importlib.resources)."""
