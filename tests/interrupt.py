"""Ctrl-C in the CLI tests: interrupt a running ``c104test`` process and time its end."""

from __future__ import annotations

import signal
import subprocess
import time


def interrupt(process: subprocess.Popen[str], timeout: float = 10) -> tuple[str, float]:
    """Send SIGINT and wait (at most ``timeout`` s): the process's stderr and the seconds it took
    to exit. The caller's ``finally`` still kills a process that outlives the wait."""
    process.send_signal(signal.SIGINT)
    stopped = time.monotonic()
    _, err = process.communicate(timeout=timeout)
    return err, time.monotonic() - stopped
