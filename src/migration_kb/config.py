"""Settings: where the instance folder, database and search index live, and the app's secret."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

LANGUAGES = ("en", "es", "pt", "fr")

_PACKAGE = Path(__file__).resolve().parent
_CHECKOUT = _PACKAGE.parents[1]


def resource_dir(name: str) -> Path:
    """A folder shipped with the product (`data`, `kb`): inside an installed wheel, else the checkout."""
    bundled = _PACKAGE / "_bundled" / name
    return bundled if bundled.is_dir() else _CHECKOUT / name


@dataclass(frozen=True)
class Settings:
    instance: Path
    database_url: str
    index_dir: Path

    @classmethod
    def load(cls, instance: str | os.PathLike | None = None, database_url: str | None = None) -> Settings:
        folder = Path(instance or os.environ.get("MIGRATION_KB_INSTANCE") or "instance").resolve()
        url = (database_url or os.environ.get("MIGRATION_KB_DATABASE_URL")
               or f"sqlite:///{folder / 'migration-kb.sqlite'}")
        index = Path(os.environ.get("MIGRATION_KB_INDEX_DIR") or folder / "index").resolve()
        return cls(instance=folder, database_url=url, index_dir=index)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def ensure_instance(self) -> None:
        self.instance.mkdir(parents=True, exist_ok=True)

    def secret_key(self) -> str:
        """The signing key for sessions and CSRF: from the environment, else kept in the instance folder."""
        env = os.environ.get("MIGRATION_KB_SECRET_KEY")
        if env:
            return env
        self.ensure_instance()
        path = self.instance / "secret_key"
        if not path.exists():
            # O_EXCL: two servers starting together must not each write a different key.
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "w") as fh:
                    fh.write(secrets.token_hex(32))
            except FileExistsError:
                pass
        return path.read_text().strip()
