"""A FAT run stopped by Ctrl-C: the state file, its capture, and the resumed run's report."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import trio

from c104test.fat import FatOptions, run_fat_simulated
from c104test.fat.signals import read_signal_list

from .lists import RIGHT, write_csv


def test_resume_after_ctrl_c_signs_the_first_capture_too(tmp_path: Path) -> None:
    """Ctrl-C left capture.pcap with an empty sha256 in the state file, and the resumed run's
    report (the one engineers sign) listed it so: the first session's frames unsigned."""
    signals = read_signal_list(write_csv(tmp_path / "list.csv", RIGHT[3:6]))
    seen: list[int] = []

    def interrupt(item: object) -> None:
        seen.append(1)
        if len(seen) == 2:
            raise KeyboardInterrupt  # as trio delivers Ctrl-C: in the task, at this point

    out = tmp_path / "r"
    with pytest.raises(KeyboardInterrupt):
        trio.run(lambda: run_fat_simulated(signals, output=out, on_result=interrupt,
                                           options=FatOptions(commands=False, timeout=2)))
    assert (out / "capture.pcap").is_file() and not (out / "results.json").exists()
    run = trio.run(lambda: run_fat_simulated(signals, output=out, resume=True,
                                             options=FatOptions(commands=False, timeout=2)))
    assert [p.verdict for p in run.points] == ["pass"] * 3
    captures = json.loads((out / "results.json").read_text())["captures"]
    assert [c["file"] for c in captures] == ["capture.pcap", "capture-2.pcap"]
    for capture in captures:
        assert capture["sha256"] == hashlib.sha256((out / capture["file"]).read_bytes()).hexdigest()
