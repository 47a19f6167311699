"""The JSON Schema of the contract format, as documented in docs/contract.schema.json.

Regenerate after changing the contract model: ``python -m familyhub.sources.schema``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from familyhub.sources.contract import Contract


def contract_json_schema() -> dict[str, Any]:
    schema = Contract.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "familyhub source contract"
    return schema


def main(argv: list[str]) -> int:
    target = Path(argv[0]) if argv else Path("docs/contract.schema.json")
    target.write_text(json.dumps(contract_json_schema(), indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
