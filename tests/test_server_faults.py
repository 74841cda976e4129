"""A Chroma server that is not there, or goes away mid-write: one line naming it, exit 1,
no traceback, and nothing half-visible once it is back."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner

from assistant.cli import main
from index.store import Store, connect
from tests.conftest import ARTICLES, ROOT, free_port
from tests.test_concurrency import no_strays, visible


def start_server(path: Path, port: int) -> subprocess.Popen:
    chroma = shutil.which("chroma", path=str(Path(sys.executable).parent)) or "chroma"
    process = subprocess.Popen(
        [chroma, "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError("chroma server did not start within 60 s")


def test_an_unreachable_server_is_one_line_naming_it():
    url = f"http://127.0.0.1:{free_port()}"
    for command in (["ingest", str(ARTICLES)], ["verify"], ["sources"]):
        result = CliRunner().invoke(main, [*command, "--chroma-url", url])
        assert result.exit_code == 1, result.output
        assert (
            result.output.strip()
            == f"Error: cannot reach the Chroma server at {url}: is it running?"
        )


LOSE_SERVER_MID_WRITE = """
import os, signal, sys
import index.commit as commit
from assistant.cli import main

server = int(sys.argv[1])
stage = commit.Commit.stage

def stage_then_lose_the_server(self, only=None):
    stage(self, only)
    os.kill(server, signal.SIGKILL)

commit.Commit.stage = stage_then_lose_the_server
main(sys.argv[2:])
"""


def test_a_server_lost_mid_write_is_one_line_and_nothing_is_half_visible(tmp_path, model_dir):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    data = tmp_path / "server"
    server = start_server(data, port)
    try:
        env = {**os.environ, "ASSISTANT_DATA_DIR": str(model_dir), "PYTHONPATH": str(ROOT)}
        ingest = ["ingest", str(ARTICLES), "--chroma-url", url]
        result = subprocess.run(
            [sys.executable, "-c", LOSE_SERVER_MID_WRITE, str(server.pid), *ingest],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        server.wait()
        assert result.returncode == 1, result.stderr
        assert "Traceback" not in result.stderr
        errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
        assert len(errors) == 1 and f"lost the Chroma server at {url}" in errors[0], result.stderr
        server = start_server(data, port)
        store = Store(connect("unused", url), None)
        assert visible(store) == {}, "the batch being written is not visible"
        no_strays(store)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
