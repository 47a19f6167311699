"""Copy the GOV.UK Frontend assets the pages need from ``node_modules`` into ``static/vendor``.

`make` runs ``npm ci`` (versions pinned by package-lock.json) and then this module; nothing
from npm is committed. The stylesheet is rewritten on the way: a council service uses Arial,
not GOV.UK's GDS Transport, so the font stack loses GDS Transport and its @font-face rules
(which would otherwise point at fonts we do not serve).

Run: ``python -m familyhub.web.assets [--node-modules PATH]``.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

STATIC_DIR = Path(__file__).parent / "static"
VENDOR_DIR = STATIC_DIR / "vendor"
REPO_NODE_MODULES = Path(__file__).resolve().parents[3] / "node_modules"

GOVUK_FILES = ("govuk-frontend.min.css", "govuk-frontend.min.js")
_FONT_FACE = re.compile(r"@font-face\{[^}]*\}")
_GDS_TRANSPORT = re.compile(r'"?GDS Transport"?,\s*')


class AssetsMissingError(RuntimeError):
    """govuk-frontend is not installed: run `npm ci` (or `make`) first."""


def arial_stylesheet(css: str) -> str:
    """GOV.UK Frontend's stylesheet with Arial in place of GDS Transport."""
    css = _FONT_FACE.sub("", css)
    css = _GDS_TRANSPORT.sub("", css)
    return css.replace("font-family:GDS Transport}", "font-family:arial,sans-serif}")


def build_vendor(node_modules: Path = REPO_NODE_MODULES, vendor: Path = VENDOR_DIR) -> Path:
    """Write ``vendor/govuk-frontend/`` from ``node_modules``; safe to run again."""
    source = node_modules / "govuk-frontend" / "dist" / "govuk"
    if not source.is_dir():
        raise AssetsMissingError(f"{source} not found: run `npm ci` in the repository first.")
    target = vendor / "govuk-frontend"
    target.mkdir(parents=True, exist_ok=True)
    for name in GOVUK_FILES:
        text = (source / name).read_text(encoding="utf-8")
        if name.endswith(".css"):
            text = arial_stylesheet(text)
        # The source maps are not copied, so drop the comments that point at them.
        text = re.sub(r"/[*/]# sourceMappingURL=\S+(\s*\*/)?\s*$", "", text)
        (target / name).write_text(text, encoding="utf-8")
    (target / "VERSION").write_text(_package_version(node_modules / "govuk-frontend"))
    return target


def vendor_ready(vendor: Path = VENDOR_DIR) -> bool:
    return all((vendor / "govuk-frontend" / name).is_file() for name in GOVUK_FILES)


def _package_version(package_dir: Path) -> str:
    import json

    return str(json.loads((package_dir / "package.json").read_text())["version"]) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--node-modules", type=Path, default=REPO_NODE_MODULES)
    args = parser.parse_args()
    target = build_vendor(args.node_modules)
    print(f"GOV.UK Frontend assets written to {target}")


if __name__ == "__main__":
    main()
