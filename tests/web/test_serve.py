"""`bureau serve` as a real process: it unlocks the keys once at start, answers on its
port, refuses a wrong passphrase or a busy port in one line, and stops on a signal."""

from __future__ import annotations

import signal
import socket
import subprocess
import time

import httpx2 as httpx

from tests.conftest import Bureau


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url: str, server: subprocess.Popen, seconds: float = 30) -> httpx.Response:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert server.poll() is None, server.communicate()
        try:
            return httpx.get(url, timeout=2)
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError(f"{url} did not answer")


def test_the_server_answers_and_stops_on_sigterm(bureau: Bureau):
    port = free_port()
    server = subprocess.Popen(
        bureau.command("serve", "--port", port),
        cwd=bureau.cwd,
        env=bureau.env(),
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        answer = wait_for(f"http://127.0.0.1:{port}/login", server)
        assert answer.status_code == 200 and 'name="csrf_token"' in answer.text
    finally:
        server.send_signal(signal.SIGTERM)
        _, err = server.communicate(timeout=30)
    assert server.returncode == 0
    assert f"at http://127.0.0.1:{port}/" in err and "Traceback" not in err


def test_a_wrong_passphrase_is_refused_at_start(bureau: Bureau):
    result = bureau.fails(2, "serve", "--port", free_port(), env={"BUREAU_PASSPHRASE": "wrong"})
    assert "wrong passphrase" in result.err and len(result.err.strip().splitlines()) == 1


def test_a_busy_port_is_named_in_one_line(bureau: Bureau):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = bureau.fails(2, "serve", "--port", port)
    assert f"cannot listen on 127.0.0.1:{port}" in result.err


def test_a_missing_home_is_refused(bureau: Bureau, tmp_path):
    result = bureau.fails(2, "--home", tmp_path / "none", "serve", "--port", free_port())
    assert "Traceback" not in result.err


def test_an_impossible_port_is_refused(bureau: Bureau):
    assert "--port 70000" in bureau.fails(2, "serve", "--port", "70000").err
