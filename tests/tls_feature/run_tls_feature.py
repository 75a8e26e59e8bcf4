"""Bound by tests/bdd/test_tls_options.py in a pytest subprocess (not collected on its own)."""

from pytest_bdd import scenarios

scenarios("tls.feature")
