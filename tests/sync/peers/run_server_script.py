"""Run a c104 server script unchanged, under c104 or under c104test.

Usage: python run_server_script.py c104|c104test SCRIPT PORT. With c104test the module name
``c104`` is bound to c104test first, so the script's ``import c104`` gets c104test; the script's
text is not touched. c104 (GPLv3) only ever runs in this separate process.
"""

import runpy
import sys

mode, script, port = sys.argv[1:4]
if mode == "c104test":
    import c104test

    sys.modules["c104"] = c104test
sys.argv = [script, port]
runpy.run_path(script, run_name="__main__")
