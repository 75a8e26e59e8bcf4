"""Fixtures for the tests of the pytest-bdd plugin (c104test.bdd).

pytester itself is enabled in test_plugin.py (``pytest_plugins`` there): pytest refuses
``pytest_plugins`` in a conftest.py below the rootdir when it is collected from the repository root.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

# Imported here, before any pytester run: an in-process inner run restores sys.modules afterwards,
# and trio must not be imported a second time into a process whose first copy ran a thread.
import c104test.sync.session  # noqa: F401
from c104test.sync.bridge import THREAD_NAME


def trio_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith(THREAD_NAME) and t.is_alive()]


@pytest.fixture(autouse=True)
def _no_trio_thread_outlives_the_test() -> Iterator[None]:
    before = set(trio_threads())
    yield
    deadline = time.monotonic() + 2.0
    while set(trio_threads()) - before and time.monotonic() < deadline:
        time.sleep(0.01)
    left = set(trio_threads()) - before
    assert not left, f"c104test threads outlived the test: {left}"
