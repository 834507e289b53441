"""The stand-alone mock leaves what start-up made out of later garbage collections, once start-up's garbage is
collected, and serves as before. Checked in a process of its own: freezing changes the whole process's collector."""

import json
import subprocess
import sys

SCRIPT = """
import gc, json, weakref
import urllib3
from mockserver.server import MockServer, exempt_startup_from_collections

class Node:
    pass

cycle = Node()
cycle.itself = cycle
startup_garbage = weakref.ref(cycle)
del cycle
server = MockServer().start()
exempt_startup_from_collections()
tracked = {id(o) for o in gc.get_objects()}
answer = urllib3.request("POST", server.url + "/_rollup/job/missing/_stop", retries=False)
print(json.dumps({
    "garbage_collected": startup_garbage() is None,
    "frozen": gc.get_freeze_count(),
    "cluster_tracked": id(server.cluster) in tracked or id(vars(server.cluster)) in tracked,
    "routes_tracked": any(id(route) in tracked for route, _ in server.cluster.routes()),
    "status": answer.status,
}))
server.stop()
"""


def test_start_up_objects_are_left_out_of_later_collections_after_its_garbage_is_collected():
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60, check=True)
    seen = json.loads(done.stdout.splitlines()[-1])
    assert seen["garbage_collected"]  # collected first, not kept for good
    assert seen["frozen"] > 10_000  # the modules, classes and the cluster's first state
    assert not seen["cluster_tracked"] and not seen["routes_tracked"]
    assert seen["status"] == 404  # and the mock answers as before
