"""Markers of the ready features.

pytest-bdd turns a scenario's tags into pytest markers; registering them keeps pytest from warning
about unknown marks and lets ``-m`` select by them, e.g. ``pytest features -m c104-peer``.
"""

import pytest

TAGS = {
    "c104-peer": (
        "scenarios that also pass against an RTU built on lib60870 (the c104 package); "
        "tests/bdd/test_c104_peer.py runs them against one"
    ),
}


def pytest_configure(config: pytest.Config) -> None:
    for tag, meaning in TAGS.items():
        config.addinivalue_line("markers", f"{tag}: {meaning}")
