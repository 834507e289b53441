"""Prints the mock's throughput and p99 latency on the stop endpoints next to a bare aiohttp handler's, in pairs of
rounds run back to back.

Each server runs in its own process pinned to one core; wrk (Debian package `wrk`) loads it from another core with
32 connections. After a warm-up of each (not counted), the bare handler and the mock are loaded in turn, `--rounds`
pairs per endpoint, the order alternating from pair to pair (bare first, then mock first) so that neither is always
the one meeting a change in the machine's other work. Each pair gives the mock's ratios to the bare handler: req/s,
p99 latency and server CPU time per request (from /proc).

On a shared machine the other work decides a round's p99 more than either server does (a bare handler against
itself gives pairs from x0.5 to x2.4 when other work takes a core). So each round also measures the CPU the rest of
the machine used meanwhile (all cores' busy time from /proc/stat, less the server's, wrk's and this script's); a pair
in which either round saw more than `--quiet` cores of it is run again, up to `--attempts` times in all, and its run
with the least other work counts. Printed: every pair with its time, the machine's load (1-minute average), its other
work and which run counted; the median of the pairs' ratios, and the worst. The goal holds when every pair meets it.

Usage: python benchmarks/stop_vs_bare_aiohttp.py [--seconds 5] [--rounds 5] [--warm-up 2] [--quiet 0.2]
       [--attempts 3] [--connections 32] [--server-cpu 0] [--load-cpu 1]
All traffic stays on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

import aiohttp
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
    other_cores: float  # the CPU the rest of the machine used meanwhile, in cores (0: nothing else ran)


@dataclass(frozen=True)
class CpuTimes:
    """CPU seconds used so far by a server, by this script and the children it waited for (wrk), and by the whole
    machine; and the wall time they were read at."""

    server: float
    ours: float
    machine: float
    wall: float

    @classmethod
    def read(cls, server_pid: int) -> "CpuTimes":
        own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        ours = own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime
        return cls(cpu_seconds(server_pid), ours, machine_busy_seconds(), time.monotonic())

    def other_cores(self, before: "CpuTimes") -> float:
        """How many cores, on average since `before`, the machine spent on anything but the server and us."""
        other = (self.machine - before.machine) - (self.server - before.server) - (self.ours - before.ours)
        return max(other, 0) / (self.wall - before.wall)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time a process has used so far."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float:
    """CPU time all cores together have spent not idling since boot."""
    with open("/proc/stat") as stat:
        user, nice, system, idle, iowait, irq, softirq, steal = map(int, stat.readline().split()[1:9])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


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
        before = CpuTimes.read(server_pid)
        output = subprocess.run(
            ["taskset", "-c", cpu, "wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", script.name,
             url], capture_output=True, text=True, check=True).stdout
        after = CpuTimes.read(server_pid)
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", output).groups()
    return Load(rate, float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit],
                (after.server - before.server) / requests * 1e6, after.other_cores(before))


@dataclass(frozen=True)
class Pair:
    """One round of each server on one endpoint, run back to back, and when."""

    started: str  # UTC time of day
    load: float  # the machine's 1-minute load average as the pair started
    attempt: int  # which run of the pair this is (a disturbed pair is run again; the least disturbed run counts)
    bare: Load
    mock: Load

    @property
    def other_cores(self) -> float:
        return max(self.bare.other_cores, self.mock.other_cores)

    @property
    def ratios(self) -> tuple[float, float, float]:
        """The mock's req/s, p99 and CPU per request, each over the bare handler's."""
        return (self.mock.requests_per_second / self.bare.requests_per_second, self.mock.p99_ms / self.bare.p99_ms,
                self.mock.cpu_us_per_request / self.bare.cpu_us_per_request)

    @property
    def meets_goal(self) -> bool:
        return self.ratios[0] >= GOAL_REQUESTS and self.ratios[1] <= GOAL_P99


GOAL_REQUESTS, GOAL_P99 = 0.8, 1.5


def run_pairs(urls: dict[str, str], pids: dict[str, int], args: argparse.Namespace) -> list[Pair]:
    """`args.rounds` pairs on one endpoint, after a warm-up of each server; the order alternates from pair to pair,
    and a pair that other work disturbed is run again (up to `args.attempts` times in all)."""
    def load(kind: str, seconds: int) -> Load:
        return wrk(urls[kind], seconds, args.connections, args.load_cpu, pids[kind])

    if args.warm_up:
        for kind in urls:
            load(kind, args.warm_up)
    pairs = []
    for number in range(args.rounds):
        order = ("bare", "mock") if number % 2 == 0 else ("mock", "bare")
        attempts = []
        while len(attempts) < args.attempts and not any(pair.other_cores <= args.quiet for pair in attempts):
            started, machine_load = time.strftime("%H:%M:%S", time.gmtime()), os.getloadavg()[0]
            loads = {kind: load(kind, args.seconds) for kind in order}
            attempts.append(Pair(started, machine_load, len(attempts) + 1, loads["bare"], loads["mock"]))
        pairs.append(min(attempts, key=lambda pair: pair.other_cores))
    return pairs


def report(name: str, pairs: list[Pair], quiet: float) -> None:
    print(f"\n{name}: the mock over bare aiohttp, {len(pairs)} pairs (goal in every pair: req/s >= "
          f"{GOAL_REQUESTS:.2f}, p99 <= {GOAL_P99:.2f}); other: the cores other work used during the pair")
    print(f"{'pair':>4} {'UTC':>8} {'load':>5} {'other':>5} {'run':>5} {'bare req/s':>10} {'p99 ms':>7} {'CPU us':>6} "
          f"{'mock req/s':>10} {'p99 ms':>7} {'CPU us':>6}   {'req/s':>6} {'p99':>6} {'CPU':>6}")
    for number, pair in enumerate(pairs, 1):
        bare, mock = pair.bare, pair.mock
        print(f"{number:>4} {pair.started:>8} {pair.load:5.2f} {pair.other_cores:5.2f} {pair.attempt:5} "
              f"{bare.requests_per_second:10.0f} {bare.p99_ms:7.2f} {bare.cpu_us_per_request:6.0f} "
              f"{mock.requests_per_second:10.0f} {mock.p99_ms:7.2f} {mock.cpu_us_per_request:6.0f}   "
              + _ratios(pair.ratios))
    requests, p99, cpu = zip(*(pair.ratios for pair in pairs))
    print(f"{'median of the pairs':>76}   " + _ratios((statistics.median(requests), statistics.median(p99),
                                                         statistics.median(cpu))))
    print(f"{'worst of the pairs':>76}   " + _ratios((min(requests), max(p99), max(cpu))))
    missed = [str(number) for number, pair in enumerate(pairs, 1) if not pair.meets_goal]
    disturbed = [str(number) for number, pair in enumerate(pairs, 1) if pair.other_cores > quiet]
    print(("goal met in every pair" if not missed else f"goal missed in pair(s) {', '.join(missed)}")
          + (f"; other work above {quiet} cores in every attempt of pair(s) {', '.join(disturbed)}" if disturbed
             else ""))


def _ratios(ratios: tuple[float, float, float]) -> str:
    return " ".join(f"{f'x{ratio:.2f}':>6}" for ratio in ratios)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5, help="length of each round (default: %(default)s)")
    parser.add_argument("--rounds", type=int, default=5, help="pairs per endpoint (default: %(default)s)")
    parser.add_argument("--warm-up", type=int, default=2,
                        help="seconds of load on each server per endpoint before the pairs, not counted; 0: none "
                             "(default: %(default)s)")
    parser.add_argument("--quiet", type=float, default=0.2,
                        help="the most other work, in cores, a pair may meet without being run again "
                             "(default: %(default)s)")
    parser.add_argument("--attempts", type=int, default=3,
                        help="runs of a pair at most, to get one that other work did not disturb "
                             "(default: %(default)s)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--server-cpu", default="0")
    parser.add_argument("--load-cpu", default="1")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (Debian: apt-get install wrk)")

    print(f"{time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime())} UTC, {os.cpu_count()} cores, load "
          f"{os.getloadavg()[0]:.2f}, Python {platform.python_version()}, aiohttp {aiohttp.__version__}; "
          f"rounds of {args.seconds} s, {args.connections} connections, server on CPU {args.server_cpu}, "
          f"wrk on CPU {args.load_cpu}", flush=True)
    ports = {"bare": free_port(), "mock": free_port()}
    bare_command = [sys.executable, "-c", BARE_SERVER, str(ports["bare"])]
    mock_command = [sys.executable, "-m", "mockserver", "--port", str(ports["mock"])]
    with (server(bare_command, args.server_cpu, ports["bare"]) as bare_pid,
          server(mock_command, args.server_cpu, ports["mock"]) as mock_pid):
        prepare_mock(f"http://127.0.0.1:{ports['mock']}")
        pids = {"bare": bare_pid, "mock": mock_pid}
        for name, path in ENDPOINTS.items():
            urls = {kind: f"http://127.0.0.1:{port}{path}" for kind, port in ports.items()}
            report(name, run_pairs(urls, pids, args), args.quiet)
    print(f"\nfinished {time.strftime('%H:%M:%S', time.gmtime())} UTC, load {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
