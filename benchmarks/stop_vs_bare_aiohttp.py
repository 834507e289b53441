"""Prints the mock's throughput and p99 latency on the stop endpoints next to a bare aiohttp handler's, both loaded
at the same time, round after round.

Both servers run in their own processes pinned to the same core, and two wrk processes (Debian package `wrk`) load
them at once from another core, 32 connections each. The servers then share their core as the kernel shares it
between any two busy processes, so whatever slows the machine down (this VM's speed swings by a third within
minutes) slows both alike, and their req/s ratio is the ratio of what a request costs each. Loading them in turn
instead compared rounds a few seconds apart: a bare handler against itself then gave pairs from x0.5 to x2.4.
`--control` loads a second bare handler in place of the mock, to show how far the method itself spreads.

Each round also measures the CPU the rest of the machine used meanwhile (all cores' busy time from /proc/stat, less
the servers', wrk's and this script's); a round in which it was above `--quiet` cores is run again, up to
`--attempts` times in all, and its run with the least other work counts. Printed: every round with its time, the
machine's load (1-minute average), its other work and which run counted; the median of the rounds' ratios, and the
worst. The goal holds when every round meets it.

Usage: python benchmarks/stop_vs_bare_aiohttp.py [--seconds 5] [--rounds 5] [--warm-up 2] [--quiet 0.2]
       [--attempts 3] [--connections 32] [--server-cpu 0] [--load-cpu 1] [--control]
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


@dataclass(frozen=True)
class CpuTimes:
    """CPU seconds used so far by each server, by this script and the children it waited for (wrk), and by the
    whole machine; and the wall time they were read at."""

    servers: dict[str, float]
    ours: float
    machine: float
    wall: float

    @classmethod
    def read(cls, server_pids: dict[str, int]) -> "CpuTimes":
        own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        ours = own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime
        return cls({kind: cpu_seconds(pid) for kind, pid in server_pids.items()}, ours, machine_busy_seconds(),
                   time.monotonic())

    def other_cores(self, before: "CpuTimes") -> float:
        """How many cores, on average since `before`, the machine spent on anything but the servers and us."""
        servers = sum(self.servers[kind] - before.servers[kind] for kind in self.servers)
        other = (self.machine - before.machine) - servers - (self.ours - before.ours)
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
    http.request("PUT", f"{url}/bench-dfa-source", headers=headers,
                 body=json.dumps({"mappings": {"properties": {"x": {"type": "double"}}}}))
    http.request("PUT", f"{url}/_ml/data_frame/analytics/bench", body=json.dumps(DFA_JOB), headers=headers)
    for path in ENDPOINTS.values():
        assert http.request("POST", url + path).status == 200, path


WRK_SCRIPT = 'wrk.method = "POST"\n'


def load_together(urls: dict[str, str], pids: dict[str, int], seconds: int, connections: int,
                  cpu: str) -> tuple[dict[str, Load], float]:
    """Each server loaded by its own wrk, all at once, for `seconds`; and the cores other work used meanwhile."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(WRK_SCRIPT)
        script.flush()
        before = CpuTimes.read(pids)
        runs = {kind: subprocess.Popen(["taskset", "-c", cpu, "wrk", "-t1", f"-c{connections}", f"-d{seconds}s",
                                        "--latency", "-s", script.name, url], stdout=subprocess.PIPE, text=True)
                for kind, url in urls.items()}
        outputs = {kind: run.communicate()[0] for kind, run in runs.items()}
        after = CpuTimes.read(pids)
    loads = {}
    for kind, output in outputs.items():
        rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
        requests = int(re.search(r"(\d+) requests in", output).group(1))
        value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", output).groups()
        loads[kind] = Load(rate, float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit],
                           (after.servers[kind] - before.servers[kind]) / requests * 1e6)
    return loads, after.other_cores(before)


@dataclass(frozen=True)
class Round:
    """Both servers loaded at once on one endpoint, and when."""

    started: str  # UTC time of day
    load: float  # the machine's 1-minute load average as the round started
    attempt: int  # which run of the round this is (a disturbed round is run again; the least disturbed run counts)
    other_cores: float  # the CPU the rest of the machine used meanwhile, in cores (0: nothing else ran)
    bare: Load
    mock: Load

    @property
    def ratios(self) -> tuple[float, float, float]:
        """The mock's req/s, p99 and CPU per request, each over the bare handler's."""
        return (self.mock.requests_per_second / self.bare.requests_per_second, self.mock.p99_ms / self.bare.p99_ms,
                self.mock.cpu_us_per_request / self.bare.cpu_us_per_request)

    @property
    def meets_goal(self) -> bool:
        return self.ratios[0] >= GOAL_REQUESTS and self.ratios[1] <= GOAL_P99


GOAL_REQUESTS, GOAL_P99 = 0.8, 1.5


def run_rounds(urls: dict[str, str], pids: dict[str, int], args: argparse.Namespace) -> list[Round]:
    """`args.rounds` rounds on one endpoint, after a warm-up; a round that other work disturbed is run again (up
    to `args.attempts` times in all)."""
    def load(seconds: int) -> tuple[dict[str, Load], float]:
        return load_together(urls, pids, seconds, args.connections, args.load_cpu)

    if args.warm_up:
        load(args.warm_up)
    rounds = []
    for _ in range(args.rounds):
        attempts: list[Round] = []
        while len(attempts) < args.attempts and not any(run.other_cores <= args.quiet for run in attempts):
            started, machine_load = time.strftime("%H:%M:%S", time.gmtime()), os.getloadavg()[0]
            loads, other_cores = load(args.seconds)
            attempts.append(Round(started, machine_load, len(attempts) + 1, other_cores, loads["bare"],
                                  loads["mock"]))
        rounds.append(min(attempts, key=lambda run: run.other_cores))
    return rounds


def report(name: str, rounds: list[Round], quiet: float, other: str) -> None:
    print(f"\n{name}: the {other} over bare aiohttp, loaded at once, {len(rounds)} rounds (goal in every round: "
          f"req/s >= {GOAL_REQUESTS:.2f}, p99 <= {GOAL_P99:.2f}); other: the cores other work used meanwhile")
    print(f"{'round':>5} {'UTC':>8} {'load':>5} {'other':>5} {'run':>5} {'bare req/s':>10} {'p99 ms':>7} {'CPU us':>6} "
          f"{other + ' req/s':>10} {'p99 ms':>7} {'CPU us':>6}   {'req/s':>6} {'p99':>6} {'CPU':>6}")
    for number, run in enumerate(rounds, 1):
        bare, mock = run.bare, run.mock
        print(f"{number:>5} {run.started:>8} {run.load:5.2f} {run.other_cores:5.2f} {run.attempt:5} "
              f"{bare.requests_per_second:10.0f} {bare.p99_ms:7.2f} {bare.cpu_us_per_request:6.0f} "
              f"{mock.requests_per_second:10.0f} {mock.p99_ms:7.2f} {mock.cpu_us_per_request:6.0f}   "
              + _ratios(run.ratios))
    requests, p99, cpu = zip(*(run.ratios for run in rounds))
    print(f"{'median of the rounds':>77}   " + _ratios((statistics.median(requests), statistics.median(p99),
                                                          statistics.median(cpu))))
    print(f"{'worst of the rounds':>77}   " + _ratios((min(requests), max(p99), max(cpu))))
    missed = [str(number) for number, run in enumerate(rounds, 1) if not run.meets_goal]
    disturbed = [str(number) for number, run in enumerate(rounds, 1) if run.other_cores > quiet]
    print(("goal met in every round" if not missed else f"goal missed in round(s) {', '.join(missed)}")
          + (f"; other work above {quiet} cores in every attempt of round(s) {', '.join(disturbed)}" if disturbed
             else ""))


def _ratios(ratios: tuple[float, float, float]) -> str:
    return " ".join(f"{f'x{ratio:.2f}':>6}" for ratio in ratios)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5, help="length of each round (default: %(default)s)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds per endpoint (default: %(default)s)")
    parser.add_argument("--warm-up", type=int, default=2,
                        help="seconds of load on the servers per endpoint before the rounds, not counted; 0: none "
                             "(default: %(default)s)")
    parser.add_argument("--quiet", type=float, default=0.2,
                        help="the most other work, in cores, a round may meet without being run again "
                             "(default: %(default)s)")
    parser.add_argument("--attempts", type=int, default=3,
                        help="runs of a round at most, to get one that other work did not disturb "
                             "(default: %(default)s)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--server-cpu", default="0")
    parser.add_argument("--load-cpu", default="1")
    parser.add_argument("--control", action="store_true",
                        help="a second bare handler in place of the mock: the spread of the method itself")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (Debian: apt-get install wrk)")

    print(f"{time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime())} UTC, {os.cpu_count()} cores, load "
          f"{os.getloadavg()[0]:.2f}, Python {platform.python_version()}, aiohttp {aiohttp.__version__}; "
          f"rounds of {args.seconds} s, {args.connections} connections a server, servers on CPU {args.server_cpu}, "
          f"wrk on CPU {args.load_cpu}", flush=True)
    ports = {"bare": free_port(), "mock": free_port()}
    bare_command = [sys.executable, "-c", BARE_SERVER, str(ports["bare"])]
    mock_command = ([sys.executable, "-c", BARE_SERVER, str(ports["mock"])] if args.control
                    else [sys.executable, "-m", "mockserver", "--port", str(ports["mock"])])
    with (server(bare_command, args.server_cpu, ports["bare"]) as bare_pid,
          server(mock_command, args.server_cpu, ports["mock"]) as mock_pid):
        if not args.control:
            prepare_mock(f"http://127.0.0.1:{ports['mock']}")
        pids = {"bare": bare_pid, "mock": mock_pid}
        for name, path in ENDPOINTS.items():
            urls = {kind: f"http://127.0.0.1:{port}{path}" for kind, port in ports.items()}
            report(name, run_rounds(urls, pids, args), args.quiet, "bare" if args.control else "mock")
    print(f"\nfinished {time.strftime('%H:%M:%S', time.gmtime())} UTC, load {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
