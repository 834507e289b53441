"""API families. Each package here exports `FAMILY`; see `mockserver.family`."""
