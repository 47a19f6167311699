"""Where a council keeps its governance configuration.

The package ships the synthetic Northshire partnership's sharing agreements and controller
details as working examples. A council points ``FAMILYHUB_GOVERNANCE_DIR`` at a folder of its
own holding ``controller.yaml`` (replacing the shipped one) and ``agreements/*.yaml`` (added to
the shipped ones; an agreement with the same name replaces the shipped one).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PACKAGE_DIR = Path(__file__).parent
SHIPPED_AGREEMENTS_DIR = PACKAGE_DIR / "agreements"
SHIPPED_CONTROLLER_FILE = PACKAGE_DIR / "controller.yaml"


class GovernanceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FAMILYHUB_", extra="ignore")

    governance_dir: Path | None = Field(
        default=None,
        description="A council's folder with controller.yaml and agreements/*.yaml.",
    )

    @property
    def controller_file(self) -> Path:
        if self.governance_dir is not None and (self.governance_dir / "controller.yaml").exists():
            return self.governance_dir / "controller.yaml"
        return SHIPPED_CONTROLLER_FILE

    @property
    def agreement_dirs(self) -> list[Path]:
        dirs = [SHIPPED_AGREEMENTS_DIR]
        if self.governance_dir is not None and (self.governance_dir / "agreements").is_dir():
            dirs.append(self.governance_dir / "agreements")
        return dirs
