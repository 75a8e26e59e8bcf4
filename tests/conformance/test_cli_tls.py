"""``c104test conformance`` with the --tls-* options (the same options as simulate and monitor):
against a TLS simulator (RTU mode), and with --master serving TLS to a master under test."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import trio

from c104test.cli import main
from c104test.engine.simulator import open_simulator
from c104test.engine.tls import tls_options, tls_transport
from tests.tls_pki import Pki, make_pki

from .masters import PICS_TEXT, engine_master
from .simulated import PICS_TEXT as RTU_PICS_TEXT
from .simulated import PROFILE

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


def server_tls(pki: Pki) -> list[str]:
    return ["--tls-cert", str(pki.server_cert), "--tls-key", str(pki.server_key), "--tls-ca", str(pki.ca)]


def client_tls(pki: Pki) -> list[str]:
    return ["--tls-cert", str(pki.client_cert), "--tls-key", str(pki.client_key), "--tls-ca", str(pki.ca)]


def test_cases_run_against_a_tls_rtu(pki: Pki, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pics = tmp_path / "rtu.yaml"
    pics.write_text(RTU_PICS_TEXT)
    out = tmp_path / "out"
    server = tls_transport(tls_options(pki.server_cert, pki.server_key, pki.ca), server=True)

    async def run() -> tuple[int, int]:
        async with open_simulator(PROFILE, transport=server) as sim:
            argv = ["conformance", f"127.0.0.1:{sim.port}", "--pics", str(pics), "--cases", "A02,L07"]
            plain = await trio.to_thread.run_sync(main, [*argv, "--cases", "A02", "--output", str(tmp_path / "plain")])
            return await trio.to_thread.run_sync(main, [*argv, "--output", str(out), *client_tls(pki)]), plain

    status, plain = trio.run(run)
    console = capsys.readouterr().out
    assert status == 0, console
    assert plain == 1  # without TLS the RTU cannot be reached: error, not pass
    document = json.loads((out / "results.json").read_text())
    assert [c["verdict"] for c in document["cases"]] == ["pass", "pass"]
    assert b"the link was TLS" in (out / "capture.pcap").read_bytes()


def test_tls_option_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pics = tmp_path / "rtu.yaml"
    pics.write_text(RTU_PICS_TEXT)
    missing = tmp_path / "nowhere.pem"
    assert main(["conformance", "127.0.0.1:1", "--pics", str(pics), "--tls-ca", str(missing)]) == 2
    assert "nowhere.pem" in capsys.readouterr().err


def test_master_mode_serves_tls(pki: Pki, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pics = tmp_path / "master.yaml"
    pics.write_text(PICS_TEXT)
    out = tmp_path / "out"
    client = tls_transport(tls_options(pki.client_cert, pki.client_key, pki.ca), server=False)
    argv = ["conformance", "--master", "--listen", "127.0.0.1:0", "--wait", "10", "--pics", str(pics),
            "--cases", "M01,M02", "--output", str(out), *server_tls(pki)]

    async def run() -> int:
        async with trio.open_nursery() as nursery:
            done = trio.Event()
            status: list[int] = []

            async def tool() -> None:
                status.append(await trio.to_thread.run_sync(main, argv))
                done.set()

            nursery.start_soon(tool)
            port = None
            with trio.fail_after(10):
                while port is None:
                    await trio.sleep(0.05)
                    found = re.search(r"listening on 127\.0\.0\.1:(\d+)", capsys.readouterr().out)
                    port = int(found.group(1)) if found else None
            await engine_master(transport=client)(port)
            with trio.fail_after(20):
                await done.wait()
        return status[0]

    assert trio.run(run) == 0
    document = json.loads((out / "results.json").read_text())
    assert [(c["id"], c["verdict"]) for c in document["cases"]] == [("M01", "pass"), ("M02", "pass")]
    assert b"the link was TLS" in (out / "capture.pcap").read_bytes()
