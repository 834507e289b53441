"""`python -m mockserver`: the same as `stopcheck mock`."""

import sys

from conformance.cli import main

sys.exit(main(["mock", *sys.argv[1:]]))
