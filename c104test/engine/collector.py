"""The garbage collector's settings for a process that receives information objects fast.

Every decoded object is tracked by Python's cyclic garbage collector, and most of them live a
while (the journal keeps the last decodings, the point database the last object of each point).
With CPython's default first-generation threshold of 700, a client receiving 300,000 objects/s
runs ~190 young collections per 300,000 objects, each walking every young object still alive;
measured with bench/end_to_end.py's client (issue 16), that was 20-25 % of its CPU time. With a
threshold of 50,000 the steady stream causes almost no collection, and the client's CPU time
per object drops by a third (figures in bench/README.md, issue 16). Reference counting frees
everything that is not in a cycle at once either way; only cyclic garbage waits longer.

The first connection or simulator of the process calls ``tune_collector()``, which raises the
threshold (it never lowers one that the program set higher, and keeps automatic collection off
if the program turned it off). It does not ``gc.freeze()``: freezing at the first connection
pins whatever cyclic garbage the test process holds at that moment for good, and in the same
measurements it gained nothing beyond the threshold. Set ``C104TEST_GC=default`` in the
environment to leave the collector as Python configured it.

>>> tune_collector(environ={"C104TEST_GC": "default"})
False
"""

from __future__ import annotations

import gc
import logging
import os
from collections.abc import Mapping

__all__ = ["GEN0_THRESHOLD", "tune_collector"]

log = logging.getLogger("c104test.engine")

#: first-generation threshold: net allocations of tracked objects between two young collections
GEN0_THRESHOLD = 50_000

_tuned = False


def tune_collector(environ: Mapping[str, str] | None = None) -> bool:
    """Raise the young generation's threshold to ``GEN0_THRESHOLD``, once per process.

    Returns True if it changed the collector now (False: done before, or ``C104TEST_GC=default``).
    """
    global _tuned
    env = os.environ if environ is None else environ
    if _tuned or env.get("C104TEST_GC", "").strip().lower() == "default":
        return False
    _tuned = True
    gen0, gen1, gen2 = gc.get_threshold()
    if gen0 and gen0 < GEN0_THRESHOLD:  # 0: the program disabled automatic collection; keep that
        gc.set_threshold(GEN0_THRESHOLD, gen1, gen2)
        log.debug("garbage collector thresholds %s (were %s)", gc.get_threshold(), (gen0, gen1, gen2))
    return True
