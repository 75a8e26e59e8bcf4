"""The ready features, bound for pytest: ``pytest features``.

Without options they run against the embedded simulator (a fresh demo RTU per scenario); with
``--rtu-host HOST [--rtu-port PORT]`` against that RTU. ``--cucumberjson=report.json`` writes a
Cucumber JSON report. docs/steps.md lists the steps and options.
"""

from pytest_bdd import scenarios

scenarios(".")
