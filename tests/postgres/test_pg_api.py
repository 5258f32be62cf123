"""The JSON API's tests (tests/test_api.py) against a PostgreSQL database: searches, writes, the follower."""

from tests import test_api as on_sqlite

globals().update({name: value for name, value in vars(on_sqlite).items()
                  if name.startswith("test_") or name in ("tokens",)})
