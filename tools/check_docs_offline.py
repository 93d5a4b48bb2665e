"""Fail if the built documentation site loads anything from the network.

Usage: ``python tools/check_docs_offline.py build/docs/html``

A page may *link* to a web site (an ``<a href>`` the reader chooses to
follow), but nothing may be *loaded* from one: no ``<script src>``, ``<link
href>`` (style sheets, fonts), ``<img>``/``<iframe>``/``<source>`` ``src``, CSS
``url(...)`` or ``@import`` pointing at ``http(s)://``. Exit status 1 lists
every offending file and address.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

# attributes that make the browser fetch something, on the tags that have them
RESOURCE = re.compile(
    r"<(script|link|img|iframe|source|video|audio|embed)\b[^>]*?\b(src|href)\s*=\s*['\"]?(https?:)?//", re.I
)
CSS_URL = re.compile(r"(url\(\s*['\"]?|@import\s+['\"])(https?:)?//", re.I)


def offenders(root: Path) -> list[str]:
    """``file: excerpt`` for every network load under ``root``."""
    found = []
    for path in sorted(root.rglob("*")):
        if path.suffix not in (".html", ".css") or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for match in [*RESOURCE.finditer(text), *CSS_URL.finditer(text)]:
            found.append(f"{path.relative_to(root)}: {text[match.start() : match.end() + 60]!r}")
    return found


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not Path(argv[0]).is_dir():
        print("usage: check_docs_offline.py BUILT_HTML_DIR", file=sys.stderr)
        return 2
    root = Path(argv[0])
    bad = offenders(root)
    for line in bad:
        print(line, file=sys.stderr)
    pages = sum(1 for _ in root.rglob("*.html"))
    if bad:
        print(f"{len(bad)} network loads in {root}", file=sys.stderr)
        return 1
    print(f"offline: {pages} pages under {root} load nothing from the network")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
