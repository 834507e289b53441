"""`python -m mockserver`: the same as `stopcheck mock`."""

from conformance.cli import main

main(["mock", *__import__("sys").argv[1:]])
