"""Modules that bring large libraries (rdflib, citeproc-py, bibtexparser, rispy, lxml, openpyxl: about 30 MB
together) are imported when a request or a command first uses them, not when the app or the command line
starts: a server that only searches never loads them, and every app a test builds starts faster."""

from __future__ import annotations

import importlib
from types import ModuleType


class LazyModule:
    """Stands for a module until an attribute is read; then imports it (under Python's import lock, so two
    first requests at once import it once) and answers from it."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attribute: str):
        module: ModuleType = importlib.import_module(self._name)
        return getattr(module, attribute)

    def __repr__(self) -> str:
        return f"<lazy module {self._name!r}>"


def lazy(name: str) -> LazyModule:
    return LazyModule(name)
