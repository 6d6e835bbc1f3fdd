"""Build vigie/declarations/static/declarations/quick.css: the DSFR components the quick
declaration pages use, in one file, so that a phone on a degraded link loads one style
sheet (about a tenth of the whole DSFR) and no script.

Run after upgrading django-dsfr: ``.venv/bin/python scripts/quick_css.py``. A test fails
when the file no longer matches the installed DSFR.
"""

from __future__ import annotations

import posixpath
import re
import sys
from pathlib import Path

import dsfr

DIST = Path(dsfr.__file__).parent / "static" / "dsfr" / "dist"
TARGET = Path(__file__).resolve().parent.parent / "vigie/declarations/static/declarations/quick.css"
# Static paths, relative to the static root, of what is bundled (order matters: core first).
PARTS = (
    "core/core.main.min.css",
    "component/link/link.main.min.css",
    "component/button/button.main.min.css",
    "component/form/form.main.min.css",
    "component/input/input.main.min.css",
    "component/radio/radio.main.min.css",
    "component/select/select.main.min.css",
    "component/alert/alert.main.min.css",
    "component/logo/logo.main.min.css",
)
# The quick pages' own layout: a slim header, one narrow column.
EXTRA = """
.vigie-quick-header{display:flex;align-items:center;gap:1rem;padding:.5rem 1rem;
  border-bottom:1px solid var(--border-default-grey);max-width:40rem;margin:0 auto}
.vigie-quick-header p{margin:0}
.vigie-quick{max-width:40rem;margin:0 auto;padding:1rem 1rem 3rem}
.vigie-quick .fr-btn{width:100%;justify-content:center}
.vigie-quick-facts dt{font-weight:700;margin-top:.75rem}
.vigie-quick-facts dd{margin:0}
"""
URL = re.compile(r"url\((?!data:)([^)\"']+)\)")
FONT_FACE = re.compile(r"@font-face\{[^}]*\}")
# Two faces only (text shows at once in a system font meanwhile: font-display swap);
# italic and medium are synthesised by the browser.
FONTS_KEPT = ("Marianne-Regular.woff2", "Marianne-Bold.woff2")


def _font_face(match: re.Match[str]) -> str:
    block = match.group(0)
    if not any(name in block for name in FONTS_KEPT):
        return ""
    return re.sub(r',url\([^)]*\.woff\) format\("woff"\)', "", block)


def build() -> str:
    chunks = ["/* Built by scripts/quick_css.py from django-dsfr's DSFR (MIT). Do not edit. */"]
    for part in PARTS:
        text = (DIST / part).read_text(encoding="utf-8")
        origin = posixpath.dirname(f"dsfr/dist/{part}")

        def rebase(match: re.Match[str], origin: str = origin) -> str:
            target = posixpath.normpath(posixpath.join(origin, match.group(1)))
            return f"url({posixpath.relpath('/' + target, '/declarations')})"

        chunks.append(URL.sub(rebase, FONT_FACE.sub(_font_face, text)))
    chunks.append(EXTRA.strip())
    return "\n".join(chunks) + "\n"


if __name__ == "__main__":
    TARGET.write_text(build(), encoding="utf-8")
    print(f"{TARGET}: {TARGET.stat().st_size} bytes", file=sys.stderr)
