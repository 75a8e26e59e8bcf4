"""``python -m c104test``: the same as the ``c104test`` command."""

import sys

from c104test.cli import main

sys.exit(main())
