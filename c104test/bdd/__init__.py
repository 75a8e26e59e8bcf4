"""pytest-bdd steps for IEC 104 acceptance tests, shipped as a pytest plugin."""
