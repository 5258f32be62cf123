"""The tests in this folder are about PostgreSQL itself (migrations, backup, a shared change log): they run
on a throwaway cluster only. Tests of the store, the API, the command line and the index run on both
databases where they are written (`pytest.mark.databases`, see tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).parent


@pytest.fixture(scope="module")
def backend() -> str:
    return "postgresql"


def pytest_collection_modifyitems(items):
    for item in items:
        if HERE in Path(item.fspath).parents:
            item.add_marker(pytest.mark.postgres)
