"""Reading the Cedar policy files: each policy with its id, file, line and explanation.

A policy file that does not parse, a policy without an ``@id``, a duplicate id, or a policy
that does not validate against the schema is refused with the file and line, so a council
editing a policy finds its mistake at start-up rather than in a wrong decision.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import cedarpy

POLICY_DIR = Path(__file__).with_name("policies")
SCHEMA_FILE = POLICY_DIR / "schema.cedarschema"
_ID = re.compile(r'@id\s*\(\s*"([^"]*)"\s*\)')


def policy_dir() -> Path:
    """The folder of policies in force: ``FAMILYHUB_ACCESS_POLICIES`` (a council's own copy),
    else the shipped one."""
    configured = os.environ.get("FAMILYHUB_ACCESS_POLICIES")
    return Path(configured) if configured else POLICY_DIR


class PolicyFileError(ValueError):
    """A policy file was refused; the message names the file and line."""

    def __init__(self, path: Path, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path = path
        self.line = line
        self.detail = message


@dataclass(frozen=True)
class PolicySource:
    policy_id: str
    path: Path
    line: int
    text: str
    explanation: str


def split_statements(text: str) -> list[tuple[int, str]]:
    """Split Cedar text into (first line, statement) at top-level semicolons.

    Strings and ``//`` comments are skipped so that a ';' inside them does not split.
    """
    out: list[tuple[int, str]] = []
    depth = 0
    start = 0
    i = 0
    in_string = False
    while i < len(text):
        char = text[i]
        if in_string:
            if char == "\\":
                i += 2
                continue
            if char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif text.startswith("//", i):
            newline = text.find("\n", i)
            i = len(text) if newline < 0 else newline
            continue
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == ";" and depth == 0:
            out.append((start, text[start : i + 1]))
            start = i + 1
        i += 1
    if text[start:].strip() and _code_lines(text[start:]):
        out.append((start, text[start:]))
    return [(_first_code_line(text, offset, chunk), chunk) for offset, chunk in out]


def _code_lines(chunk: str) -> list[str]:
    return [ln for ln in chunk.splitlines() if ln.strip() and not ln.strip().startswith("//")]


def _first_code_line(text: str, offset: int, chunk: str) -> int:
    line = text.count("\n", 0, offset) + 1
    for raw in chunk.splitlines(keepends=True):
        stripped = raw.strip()
        if stripped and not stripped.startswith("//"):
            return line
        line += raw.count("\n")
    return line


def _explanation(chunk: str) -> str:
    """The comments that explain a policy: those after its ``@id``, else those just above."""
    lines = chunk.splitlines()
    first = next(
        (i for i, ln in enumerate(lines) if ln.strip() and not ln.strip().startswith("//")), 0
    )
    after = [ln.strip()[2:].strip() for ln in lines[first:] if ln.strip().startswith("//")]
    if after:
        return " ".join(a for a in after if a)
    before: list[str] = []
    for ln in reversed(lines[:first]):
        if not ln.strip().startswith("//"):
            if before:
                break
            continue
        before.insert(0, ln.strip()[2:].strip())
    return " ".join(b for b in before if b)


def read_policy_files(
    directory: Path = POLICY_DIR, schema_text: str | None = None
) -> tuple[list[PolicySource], str]:
    """Every policy in ``directory/*.cedar`` (sorted by file name) and the schema text."""
    if schema_text is None:
        schema_file = directory / SCHEMA_FILE.name
        schema_text = (schema_file if schema_file.exists() else SCHEMA_FILE).read_text("utf-8")
    try:
        schema = cedarpy.Schema.from_str(schema_text)
    except ValueError as exc:
        raise PolicyFileError(
            directory / SCHEMA_FILE.name, 1, f"schema does not parse: {exc}"
        ) from exc
    sources: list[PolicySource] = []
    seen: dict[str, PolicySource] = {}
    files = sorted(directory.glob("*.cedar"))
    if not files:
        raise PolicyFileError(directory, 0, "no policy files (*.cedar) found")
    for path in files:
        text = path.read_text("utf-8")
        for line, chunk in split_statements(text):
            source = _check_statement(path, line, chunk, schema)
            if source.policy_id in seen:
                first = seen[source.policy_id]
                raise PolicyFileError(
                    path,
                    line,
                    f"policy id {source.policy_id!r} is already used at "
                    f"{first.path.name}:{first.line}",
                )
            seen[source.policy_id] = source
            sources.append(source)
    return sources, schema_text


def _check_statement(path: Path, line: int, chunk: str, schema: cedarpy.Schema) -> PolicySource:
    try:
        cedarpy.PolicySet.from_str(chunk)
    except ValueError as exc:
        raise PolicyFileError(path, line, f"does not parse: {exc}") from exc
    ids = _ID.findall(chunk)
    if len(ids) != 1 or not ids[0]:
        raise PolicyFileError(path, line, 'every policy needs exactly one @id("...") annotation')
    result = cedarpy.validate_policies(chunk, schema)
    if not result.validation_passed:
        errors = "; ".join(e.error for e in result.errors)
        raise PolicyFileError(path, line, f"policy {ids[0]!r} does not validate: {errors}")
    return PolicySource(ids[0], path, line, chunk, _explanation(chunk))
