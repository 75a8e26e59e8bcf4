"""Every public name of c104 2.2.1 exists in c104test: it works or raises NotImplementedError.

The names come from the installed c104 wheel itself (``dir()`` in a separate process; c104 is
never imported here), so a name c104 adds cannot be missed.
"""

from __future__ import annotations

import enum
import json
import subprocess
import sys

import pytest

import c104test as c104
from c104test.sync.server import Batch, Server
from c104test.sync.server_station import ServerPoint, ServerStation

# Leftovers of c104's module namespace, not part of its API (c104-api.md §1 does not list them).
_NOT_API = {"BuiltinFunctionType", "attr_name", "attr_value", "sys"}
_DUMP = """
import json, c104
names = [n for n in dir(c104) if not n.startswith("_")]
members = {n: [m for m in dir(getattr(c104, n)) if not m.startswith("_")]
           for n in names if isinstance(getattr(c104, n), type)}
print(json.dumps({"names": names, "members": members}))
"""


@pytest.fixture(scope="module")
def c104_names() -> dict[str, object]:
    probe = subprocess.run([sys.executable, "-c", _DUMP], capture_output=True, text=True, timeout=60, check=False)
    if probe.returncode != 0:
        pytest.skip("the PyPI package c104 is not installed (interop peer)")
    return json.loads(probe.stdout)


def _unsupported(cls: type) -> bool:
    """The class exists but says it is not implemented when used."""
    try:
        cls()
    except NotImplementedError as exc:
        return len(str(exc)) > 20
    except Exception:
        return False
    return False


def _probe(cls: type) -> object:
    """What to look members up on: an enum's member, a live ProtocolParameters, else the class."""
    if isinstance(cls, type) and issubclass(cls, enum.Enum):
        return next(iter(cls), cls)
    if cls is c104.ProtocolParameters:
        return Server().protocol_parameters
    return cls


def test_every_public_name_exists(c104_names: dict[str, object]) -> None:
    missing = []
    for name in c104_names["names"]:  # type: ignore[attr-defined]
        if name in _NOT_API:
            continue
        try:
            getattr(c104, name)
        except NotImplementedError:
            continue
        except AttributeError:
            missing.append(name)
    assert missing == []


def test_every_member_exists(c104_names: dict[str, object]) -> None:
    # c104 has one Station and one Point class for both sides; c104test has a client's and a server's
    ours: dict[str, list[type]] = {
        "Station": [c104.Station, ServerStation],
        "Point": [c104.Point, ServerPoint],
        "Server": [Server],
        "Batch": [Batch],
    }
    missing = []
    for name, members in c104_names["members"].items():  # type: ignore[attr-defined]
        if name in _NOT_API:
            continue
        if name == "TlsCipher":
            # only the suites OpenSSL implements (documented in c104test.sync.security)
            members = [m for m in members if m in c104.TlsCipher.__members__]
            assert len(members) >= 60, members
            continue
        for cls in ours.get(name, [getattr(c104, name)]):
            if _unsupported(cls):
                continue
            probe = _probe(cls)
            missing += [f"{cls.__module__}.{cls.__name__}.{m}" for m in members if not hasattr(probe, m)]
    assert missing == []


def test_a_name_c104_lacks_is_a_plain_attribute_error() -> None:
    with pytest.raises(AttributeError):
        c104.NoSuchThing  # noqa: B018  (a name c104 does not have either: a plain AttributeError)


def test_docstring_examples_of_the_server_modules() -> None:
    import doctest

    from c104test.sync import security, server

    for module in (server, security):
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert result.attempted > 0 and result.failed == 0, module.__name__
