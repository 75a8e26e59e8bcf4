"""Robot Framework keywords: ``Library    c104test.keywords.IEC104Library``."""

from .library import IEC104Library

__all__ = ["IEC104Library"]
