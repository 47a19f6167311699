"""Settings from the environment.

Nothing is required to run: the defaults give an embedded SQLite database under ``./var``.
Every setting is read from a ``FAMILYHUB_`` environment variable so that a council can run
the same code in production by setting variables, never by editing files.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FAMILYHUB_", extra="ignore")

    data_dir: Path = Field(
        default=Path("var"), description="Where the embedded database, keys and outputs live."
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; default is a SQLite file in the data directory.",
    )
    contracts_dir: Path | None = Field(
        default=None, description="A council's own folder of source contracts (YAML)."
    )
    keys_dir: Path | None = Field(
        default=None,
        description="Where signing and pseudonymisation keys live; default DATA_DIR/keys. "
        "Keep it outside the database and its backups.",
    )

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'familyhub.db').resolve()}"

    @property
    def resolved_keys_dir(self) -> Path:
        return self.keys_dir if self.keys_dir is not None else self.data_dir / "keys"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings; tests call ``get_settings.cache_clear()`` after changing env."""
    return Settings()
