"""The controller's details for the privacy notice (controller.yaml)."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict

from familyhub.governance.settings import GovernanceSettings


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Controller(_Strict):
    name: str
    address: str
    ico_registration: str
    website: str


class Service(_Strict):
    name: str
    description: str


class Contact(_Strict):
    name: str = ""
    email: str
    phone: str
    address: str
    online_form: str | None = None


class Purpose(_Strict):
    name: str
    description: str


class Recipient(_Strict):
    organisation: str
    why: str


class Complaints(_Strict):
    first: str
    regulator_name: str
    regulator_address: str
    regulator_phone: str
    regulator_website: str


class ControllerConfig(_Strict):
    controller: Controller
    service: Service
    dpo: Contact
    rights_requests: Contact
    purposes: list[Purpose]
    profiling: str
    other_recipients: list[Recipient]
    complaints: Complaints


def load_controller(path: Path | None = None) -> ControllerConfig:
    path = path or GovernanceSettings().controller_file
    return ControllerConfig.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
