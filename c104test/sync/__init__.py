"""The synchronous layer: a trio thread behind blocking calls, and the c104-compatible API."""

from .bridge import TrioBridge, get_bridge, shutdown_bridge

__all__ = ["TrioBridge", "get_bridge", "shutdown_bridge"]
