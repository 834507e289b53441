"""What the tests' nested pytest runs (pytester sandboxes, `stopcheck run` in or out of process) leave out."""

# Installed pytest plugins a nested run has no use for: loading them, and in every pytest-xdist worker the libraries
# behind them (Hypothesis, Schemathesis), costs seconds of start-up. The stopcheck plugin is still found as a user's
# pytest finds it.
UNUSED_PLUGINS = ("-p", "no:hypothesispytest", "-p", "no:schemathesis", "-p", "no:anyio")
