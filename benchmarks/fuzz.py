"""A long Schemathesis run against the mock, from the OpenAPI description it serves: no 5xx but the real ones,
every answer within its declared schema, every error in a real shape (the checks of tests/robustness/fuzzing.py).

Usage: python benchmarks/fuzz.py [--examples 500] [--flavour elasticsearch|opensearch] [--seed N]
Without --seed each run draws new requests (the seed is printed, to reproduce a finding). Exit status 1 on any
failure, each printed once with a curl command that reproduces it.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mockserver.server import MockServer  # noqa: E402
from mockserver.settings import FLAVOURS, MockSettings  # noqa: E402
from tests.robustness.fuzzing import fuzz  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=500, help="generated requests per operation (default: 500)")
    parser.add_argument("--flavour", choices=FLAVOURS, action="append", help="default: both")
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(2**32)
    failed = 0
    for flavour in args.flavour or FLAVOURS:
        started = time.monotonic()
        with MockServer(MockSettings(flavour=flavour)) as mock:
            found = list(fuzz(mock.url, flavour, args.examples, seed=seed))
        for operation, failure in found:
            print(f"  {flavour} {operation}: {failure}")
        failed += len(found)
        print(f"{flavour}: {len(found)} failures, up to {args.examples} requests per operation, seed {seed}, "
              f"{time.monotonic() - started:.0f}s", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
