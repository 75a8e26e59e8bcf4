"""The oracle tests need tshark/text2pcap and scapy; how a missing tool is handled lives here.

Outside CI a missing tool skips the tests that need it. When the environment variable CI is
"true" a missing tool fails them instead: the oracles are part of the CI contract
(design.md section 7), and a silently skipped oracle would look like a green run.
"""

from __future__ import annotations

import os
from types import ModuleType

import pytest

from .scapy_oracle import load_iec104, scapy_available
from .tshark import tshark_available


def require_tool(available: bool, what: str) -> None:
    """Skip (or, when CI=true, fail) the calling test or fixture unless ``available``."""
    if available:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is missing, and the oracle tests must run when CI=true", pytrace=False)
    pytest.skip(f"{what} is not installed")


@pytest.fixture(scope="session")
def tshark_tool() -> None:
    """Request this fixture to need tshark and text2pcap."""
    require_tool(tshark_available(), "tshark/text2pcap (Debian package tshark)")


@pytest.fixture(scope="session")
def scapy_iec104() -> ModuleType:
    """scapy.contrib.scada.iec104, loaded; request this fixture to need scapy."""
    require_tool(scapy_available(), "scapy with scapy.contrib.scada.iec104")
    return load_iec104()
