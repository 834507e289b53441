"""stopcheck's conformance runner: scenarios, targets, matchers, reports."""
