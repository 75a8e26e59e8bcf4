"""Fast construction of frozen, slotted dataclass instances, for the decoders.

A frozen dataclass's ``__init__`` sets every field through ``object.__setattr__``, and even a slot
descriptor's ``__set__`` is a C call with an argument tuple (about 50 ns a field). The decoders
build millions of values, so they fill a *twin* instead: a subclass of the class that adds no slot
and takes back ``object``'s ``__init__``, ``__setattr__`` and ``__delattr__``, so making one is a
bare allocation and each field is a plain slot store (a few ns); then ``ob.__class__ = cls`` makes
it the real class. CPython allows that assignment because a subclass that adds no slot lays out its
instances like its base, which ``twin`` proves once, at import; being that subclass (rather than a
sibling with copied slots) also makes the assignment itself cheaper (CPython need not compare the
two classes' slots: ~10-15 % of an M_ME_NC_1 object's decode, bench/README.md, session 6).

The result is an ordinary instance of ``cls``: equal to, hashing like and printing like one built
with ``cls(...)`` (tests/protocol/test_fast_decode.py holds every decoder to that). A twin never
leaves the module that fills it.

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
    """A mutable subclass of ``cls`` whose instances may become ``cls`` instances.

    Fill every field of ``cls`` (an unset slot would raise AttributeError when read), then set
    ``__class__ = cls``.
    """
    namespace = {
        "__slots__": (),
        "__module__": cls.__module__,
        "__init__": object.__init__,
        "__setattr__": object.__setattr__,
        "__delattr__": object.__delattr__,
    }
    made = type(f"{cls.__name__}Twin", (cls,), namespace)
    if made.__new__ is not object.__new__:
        raise TypeError(f"{cls.__name__} must not define __new__: a twin is a bare allocation")
    probe = made()
    for name in _slots(cls):
        setattr(probe, name, None)  # AttributeError here for a slot that is not writable
    probe.__class__ = cls  # TypeError here if the layouts differ: fails at import, not later
    return made


def _slots(cls: type) -> list[str]:
    """Every slot name of ``cls`` and its bases."""
    names = []
    for klass in cls.__mro__:
        slots = klass.__dict__.get("__slots__", ())
        names += [slots] if isinstance(slots, str) else [n for n in slots if n not in ("__dict__", "__weakref__")]
    return names
