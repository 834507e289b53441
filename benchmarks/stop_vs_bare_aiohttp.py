"""Prints the mock's throughput and p99 latency on the stop endpoints next to a bare aiohttp handler's.

Each server runs in its own process pinned to one core, wrk (Debian package `wrk`) loads it from another core
with 32 connections. The two servers are loaded in turn, `--rounds` times each, and each keeps its fastest round,
so that a burst of other work on a shared machine does not decide the ratio. The server's CPU time per request
(from /proc) is printed too, the lowest of its rounds: it is steadier than req/s.

Usage: python benchmarks/stop_vs_bare_aiohttp.py [--seconds 5] [--rounds 3] [--connections 32] [--server-cpu 0]
       [--load-cpu 1]
All traffic stays on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

import urllib3

# The bare handler answers what the mock answers for a stopped job: the cheapest possible aiohttp route.
BARE_SERVER = """
import sys
from aiohttp import web

async def stop(request):
    return web.json_response({"stopped": True})

app = web.Application()
app.router.add_post("/_rollup/job/{id}/_stop", stop)
app.router.add_post("/_ml/data_frame/analytics/{id}/_stop", stop)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)
"""

JOB = {"index_pattern": "bench", "rollup_index": "bench-rollup", "cron": "*/30 * * * * ?", "page_size": 100,
       "groups": {"date_histogram": {"field": "t", "fixed_interval": "1h"}}}
DFA_JOB = {"source": {"index": "bench-dfa-source"}, "dest": {"index": "bench-dfa-dest"},
           "analysis": {"outlier_detection": {}}}
ENDPOINTS = {"rollup stop (stopped job)": "/_rollup/job/bench/_stop",
             "DFA stop (stopped job)": "/_ml/data_frame/analytics/bench/_stop"}


@dataclass(frozen=True)
class Load:
    requests_per_second: float
    p99_ms: float
    cpu_us_per_request: float


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time a process has used so far."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_listening(port: int, timeout: float = 30) -> None:
    """Return once 127.0.0.1:`port` accepts connections (a server may announce itself before it binds)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


@contextmanager
def server(command: list[str], cpu: str, port: int) -> Iterator[int]:
    """A server process pinned to `cpu`, up once it accepts connections on `port`; yields its pid."""
    process = subprocess.Popen(["taskset", "-c", cpu, *command])
    try:
        wait_listening(port)
        yield process.pid
    finally:
        process.terminate()
        process.wait(timeout=10)


def prepare_mock(url: str) -> None:
    http = urllib3.PoolManager()
    headers = {"Content-Type": "application/json"}
    http.request("PUT", f"{url}/bench", body=json.dumps({"mappings": {"properties": {"t": {"type": "date"}}}}),
                 headers=headers)
    # Elasticsearch 8.x refuses new rollup jobs on a cluster with no rollup index yet.
    http.request("PUT", f"{url}/bench-rollup", body=json.dumps({"mappings": {"_meta": {"_rollup": {}}}}),
                 headers=headers)
    http.request("PUT", f"{url}/_rollup/job/bench", body=json.dumps(JOB), headers=headers)
    http.request("PUT", f"{url}/bench-dfa-source", body=json.dumps({"mappings": {"properties": {"x": {"type": "double"}}}}),
                 headers=headers)
    http.request("PUT", f"{url}/_ml/data_frame/analytics/bench", body=json.dumps(DFA_JOB), headers=headers)
    for path in ENDPOINTS.values():
        assert http.request("POST", url + path).status == 200, path


def wrk(url: str, seconds: int, connections: int, cpu: str, server_pid: int) -> Load:
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write('wrk.method = "POST"\n')
        script.flush()
        cpu_before = cpu_seconds(server_pid)
        output = subprocess.run(
            ["taskset", "-c", cpu, "wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", script.name,
             url], capture_output=True, text=True, check=True).stdout
        cpu_used = cpu_seconds(server_pid) - cpu_before
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", output).groups()
    return Load(rate, float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit], cpu_used / requests * 1e6)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--server-cpu", default="0")
    parser.add_argument("--load-cpu", default="1")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (Debian: apt-get install wrk)")

    bare_port, mock_port = free_port(), free_port()
    bare_command = [sys.executable, "-c", BARE_SERVER, str(bare_port)]
    mock_command = [sys.executable, "-m", "mockserver", "--port", str(mock_port)]
    results: dict[str, Load] = {}
    with (server(bare_command, args.server_cpu, bare_port) as bare_pid,
          server(mock_command, args.server_cpu, mock_port) as mock_pid):
        prepare_mock(f"http://127.0.0.1:{mock_port}")
        for name, path in ENDPOINTS.items():
            rounds: dict[str, list[Load]] = {"bare": [], "mock": []}
            for _ in range(args.rounds):  # in turn, so that both meet the same passing load on a shared machine
                for kind, port, pid in (("bare", bare_port, bare_pid), ("mock", mock_port, mock_pid)):
                    rounds[kind].append(wrk(f"http://127.0.0.1:{port}{path}", args.seconds, args.connections,
                                            args.load_cpu, pid))
            for kind, loads in rounds.items():
                fastest = max(loads, key=lambda load: load.requests_per_second)
                cheapest = min(load.cpu_us_per_request for load in loads)
                results[f"{kind} {name}"] = Load(fastest.requests_per_second, fastest.p99_ms, cheapest)

    print(f"{'endpoint':34} {'req/s':>9} {'p99 ms':>8} {'CPU us/req':>10}   ratio to bare aiohttp "
          f"(goal: req/s >= 0.80, p99 <= 1.50)")
    for name in ENDPOINTS:
        bare, mock_load = results[f"bare {name}"], results[f"mock {name}"]
        print(f"{'bare aiohttp ' + name:34} {bare.requests_per_second:9.0f} {bare.p99_ms:8.2f} "
              f"{bare.cpu_us_per_request:10.0f}")
        print(f"{'mock ' + name:34} {mock_load.requests_per_second:9.0f} {mock_load.p99_ms:8.2f} "
              f"{mock_load.cpu_us_per_request:10.0f}   "
              f"req/s x{mock_load.requests_per_second / bare.requests_per_second:.2f}, "
              f"p99 x{mock_load.p99_ms / bare.p99_ms:.2f}, "
              f"CPU per request x{mock_load.cpu_us_per_request / bare.cpu_us_per_request:.2f}")


if __name__ == "__main__":
    main()
