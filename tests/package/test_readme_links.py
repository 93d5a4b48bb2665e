"""The README as a package page (issue 24): every link works where PyPI shows it, away from the repository.

A relative link resolves against the package index's own address there, so
every link is absolute (or an anchor in the page), and a link into the
repository names a file or folder the repository has.
"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()
SOURCE = re.search(r'^Source = "(https://github\.com/[^"]+)"$', (ROOT / "pyproject.toml").read_text(), re.M).group(1)


def links(text: str) -> list[str]:
    """The targets of the Markdown links (not images) and HTML anchors in ``text``."""
    return re.findall(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)", text) + re.findall(r"<a [^>]*href=\"([^\"]+)\"", text)


def test_every_readme_link_is_absolute_or_an_anchor():
    found = links(README)
    assert len(found) >= 10
    relative = [url for url in found if not url.startswith(("https://", "http://", "#"))]
    assert relative == []


def test_links_into_the_repository_name_what_it_holds():
    into = [url for url in links(README) if url.startswith(SOURCE + "/")]
    assert len(into) >= 10
    for url in into:
        kind, _, path = url[len(SOURCE) + 1 :].partition("/main/")
        path = path.split("#")[0]
        assert kind in ("blob", "tree"), url
        target = ROOT / path
        assert target.is_file() if kind == "blob" else target.is_dir(), url


def test_links_helper_finds_a_relative_link():
    assert links("see [the docs](docs/cli.md) and ![img](a.png)") == ["docs/cli.md"]
