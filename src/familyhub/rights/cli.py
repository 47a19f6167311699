"""``familyhub rights ...``: the register of rights requests and every step they take.

The commands live in ``cli_requests`` (the register and its states) and ``cli_actions``
(what is done for a request: export, correct, erase, restrict, tell partners).
"""

from __future__ import annotations

import typer

from familyhub.rights import cli_actions, cli_requests
from familyhub.rights.cli_common import rights_app

# Imported for the commands they add to ``rights_app``.
COMMAND_MODULES = (cli_requests, cli_actions)


def register(app: typer.Typer) -> None:
    app.add_typer(rights_app, name="rights")
