"""Run a c104 peer script unchanged with ``import c104`` giving c104test.

    python bench/peers/as_c104test.py SCRIPT [ARGS...]

The module name ``c104`` is bound to c104test before the script runs; the script's text is not
touched (the same c104 RTU script, once on c104, once on c104test.Server).
"""

import os
import runpy
import sys

import c104test

sys.modules["c104"] = c104test
script = os.path.join(os.path.dirname(os.path.abspath(__file__)), sys.argv[1])
sys.argv = [script, *sys.argv[2:]]
sys.path.insert(0, os.path.dirname(script))
runpy.run_path(script, run_name="__main__")
