"""Real parts shared by the tests and the bench scripts: servers, a PostgreSQL cluster, user workloads and the
FTS5 peer. Neither tests/ nor bench/ imports the other; both import this package (not shipped in the wheel)."""
