"""Fast construction of frozen, slotted dataclass instances, for the decoders.

A frozen dataclass's ``__init__`` sets every field through ``object.__setattr__``, and even a slot
descriptor's ``__set__`` is a C call with an argument tuple (about 50 ns a field). The decoders
build millions of values, so they fill a *twin* instead: a class with the same ``__slots__`` on the
same base that is not frozen, so each field is a plain slot store (a few ns); then
``ob.__class__ = cls`` makes it the real class. CPython allows that assignment exactly when the
two classes lay out their instances the same way, which ``twin`` proves once, at import.

The result is an ordinary instance of ``cls``: equal to, hashing like and printing like one built
with ``cls(...)`` (tests/protocol/test_fast_decode.py holds every decoder to that).

>>> from dataclasses import dataclass
>>> @dataclass(frozen=True, slots=True)
... class P:
...     x: int
...     y: int
>>> t = twin(P)()
>>> t.x = 1; t.y = 2; t.__class__ = P
>>> t == P(1, 2), type(t) is P
(True, True)
"""

from __future__ import annotations

__all__ = ["twin"]


def twin(cls: type) -> type:
    """A mutable class with ``cls``'s slots whose instances may become ``cls`` instances.

    Fill every slot of ``cls`` (an unset slot would raise AttributeError when read), then set
    ``__class__ = cls``.
    """
    slots = tuple(cls.__dict__["__slots__"])
    base = cls.__base__
    made = type(f"{cls.__name__}Twin", (base,), {"__slots__": slots, "__module__": cls.__module__})
    if made.__setattr__ is not object.__setattr__ or made.__init__ is not object.__init__:
        raise TypeError(f"{cls.__name__}: its base {base.__name__} must not define __init__ or __setattr__")
    probe = made()
    for name in slots:
        setattr(probe, name, None)
    probe.__class__ = cls  # TypeError here if the layouts differ: fails at import, not later
    return made
