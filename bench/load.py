"""Throughput under gunicorn: the questionnaire page against the trivial view, same server, same run, interleaved.

wrk drives the load when it is installed (it costs the server least CPU); otherwise a bounded thread pool of
`http.client` connections does. Loopback only, each run bounded in time and in request count.
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

HOST = "127.0.0.1"
WORKERS = 2
CONNECTIONS = 4
SECONDS = 6
ROUNDS = 3
MAX_REQUESTS = 200_000
ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Rate:
    rps: float
    requests: int
    errors: int


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def get(port: int, path: str, cookie: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        conn.request("GET", path, headers={"Cookie": cookie, "Host": f"{HOST}:{port}"})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


@contextmanager
def gunicorn(env: dict[str, str]) -> Iterator[int]:
    """Two sync workers, as `make serve-prod` runs them, on a free loopback port."""
    port = free_port()
    binary = Path(sys.executable).with_name("gunicorn")
    command = [
        str(binary),
        "socscope.wsgi",
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(WORKERS),
        "--log-level",
        "warning",
    ]
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log)
        try:
            deadline = time.monotonic() + 30
            while not _healthy(port):
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise RuntimeError(f"gunicorn did not start:\n{log.read().decode()[-2000:]}")
                time.sleep(0.2)
            yield port
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _healthy(port: int) -> bool:
    try:
        return get(port, "/healthz", "")[0] == 200
    except OSError:
        return False


def _wrk(port: int, path: str, cookie: str, seconds: int) -> Rate:
    output = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{CONNECTIONS}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "-H",
            f"Cookie: {cookie}",
            f"http://{HOST}:{port}{path}",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 30,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    errors = (int(bad.group(1)) if bad else 0) + (sum(map(int, socket_errors.groups())) if socket_errors else 0)
    return Rate(rps=rps, requests=requests, errors=errors)


def _threads(port: int, path: str, cookie: str, seconds: int) -> Rate:
    deadline = time.monotonic() + seconds
    lock = threading.Lock()
    done = [0, 0]

    def worker() -> None:
        ok = bad = 0
        while time.monotonic() < deadline and ok + bad < MAX_REQUESTS // CONNECTIONS:
            try:
                status, _ = get(port, path, cookie)
                ok, bad = (ok + 1, bad) if status == 200 else (ok, bad + 1)
            except OSError:
                bad += 1
        with lock:
            done[0] += ok
            done[1] += bad

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(CONNECTIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    return Rate(rps=done[0] / elapsed, requests=done[0] + done[1], errors=done[1])


def generator() -> str:
    return "wrk" if shutil.which("wrk") else "python threads (http.client)"


def compare(paths: dict[str, str], cookie: str, *, env: dict[str, str] | None = None) -> dict[str, object]:
    """Requests per second of each path, ROUNDS interleaved runs each, median taken; every response must be 200."""
    run = _wrk if shutil.which("wrk") else _threads
    rates: dict[str, list[Rate]] = {name: [] for name in paths}
    with gunicorn(env or dict(os.environ)) as port:
        for path in paths.values():
            status, body = get(port, path, cookie)
            if status != 200:
                raise RuntimeError(f"GET {path} under gunicorn answered {status}: {body[:200]!r}")
            run(port, path, cookie, 2)  # warm both workers' caches and connections
        for _ in range(ROUNDS):
            for name, path in paths.items():
                rates[name].append(run(port, path, cookie, SECONDS))
    summary: dict[str, object] = {
        "generator": generator(),
        "workers": WORKERS,
        "connections": CONNECTIONS,
        "seconds_per_run": SECONDS,
        "rounds": ROUNDS,
    }
    for name, runs in rates.items():
        errors = sum(r.errors for r in runs)
        if errors:
            raise RuntimeError(f"{name}: {errors} failed requests under load")
        summary[name] = {
            "rps": round(statistics.median(r.rps for r in runs), 1),
            "runs": [round(r.rps, 1) for r in runs],
            "requests": sum(r.requests for r in runs),
        }
    return summary
