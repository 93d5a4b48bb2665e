"""Sphinx configuration of convpool's documentation site (``make docs``).

The site is built offline: no intersphinx inventories, no web fonts, no
MathJax (formulas are written as code). ``tools/check_docs_offline.py`` fails
the build if a page still points at a CDN.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
# Build from a checkout without installing convpool (make docs installs it anyway).
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))  # _explorer.py, the build-time data of the explorer page

os.environ.setdefault("MPLBACKEND", "Agg")

import convpool  # noqa: E402

project = "convpool"
author = "convpool developers"
copyright = "2026, convpool developers"  # noqa: A001  (Sphinx's name)
version = release = convpool.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "myst_parser",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "images/README.md", "learn/README.rst", "**.ipynb_checkpoints"]

# numpydoc: the public functions' docstrings are the API reference.
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
autosummary_generate = True
autodoc_typehints = "none"  # the numpydoc "Parameters" section already gives types and shapes

# MyST: the existing Markdown pages (cli.md, gradients.md, performance.md) as they are.
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3
# gradients.md links to ../examples/cnn_digits.py, a file outside the site: keep it a plain link.
suppress_warnings = ["myst.xref_missing"]

# sphinx-gallery: every learning page is a script run at build time; its figures come
# from convpool.plot.learn, drawn from values convpool computed.
sphinx_gallery_conf = {
    "examples_dirs": ["learn"],
    "gallery_dirs": ["auto_learn"],
    "filename_pattern": r".*\.py$",  # run every script, not only plot_*.py
    "within_subsection_order": "FileNameSortKey",
    "download_all_examples": False,
    "remove_config_comments": True,
    "show_memory": False,
    "show_signature": False,
    "capture_repr": ("_repr_html_",),  # the conventions page's tables; print() output is kept too
    "matplotlib_animations": False,
    "image_scrapers": ("matplotlib",),
    "reset_modules": ("matplotlib",),
    "min_reported_time": 3600,  # no timing lines in the pages
    # its timing pages load jQuery and DataTables from CDNs
    "write_computation_times": False,
    # every figure also at twice the pixels, for sharp text on high-density screens and when zoomed
    "image_srcset": ["2x"],
}

html_theme = "pydata_sphinx_theme"
html_title = "convpool"
html_static_path = ["_static"]
html_css_files = ["convpool.css"]
html_js_files = ["convpool-zoom.js"]
# Learn pages: no side bars, so the figures get the page's whole width (see convpool.css)
LEARN_PAGES = [f"auto_learn/{p.stem}" for p in sorted((HERE / "learn").glob("plot_*.py"))]
html_sidebars = {name: [] for name in LEARN_PAGES}
html_extra_path = ["_extra"]  # the explorer: a standalone page copied as is
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "icon_links": [],
    "navbar_end": ["navbar-icon-links"],
    "footer_start": ["copyright"],
    "footer_end": [],
    # (page names, not a second wildcard: Sphinx warns when two wildcards match one page)
    "secondary_sidebar_items": {"**": ["page-toc"], **{name: [] for name in LEARN_PAGES}},
    # the top navigation on one row: the first few sections, the rest under "More"
    "header_links_before_dropdown": 3,
}
html_show_sourcelink = False
html_copy_source = False
# No MathJax from a CDN: the pages write formulas as code.
# (no mathjax_path: a page with math would fail tools/check_docs_offline.py)


def _check_explorer(app, exception):
    """The standalone explorer must reach the site whole (no page of the same name may replace it)."""
    page = Path(app.outdir) / "explorer.html"
    if exception is None and app.builder.format == "html" and '"axes":' not in page.read_text(encoding="utf-8"):
        raise RuntimeError(f"{page} is not the explorer page with convpool's table")


def _learn_scripts(app, pagename, templatename, context, doctree):
    """The step-through widget and its geometry table, on the Learn pages only."""
    if pagename.startswith("auto_learn/"):
        app.add_js_file("convpool-geometry.js")
        app.add_js_file("convpool-steps.js")
        app.add_js_file("convpool-playground.js")


# a code block with nothing left to show once its plotting lines are hidden (sphinx_gallery_start_ignore):
# the directive, its options, and blank lines up to the next unindented line
EMPTY_CODE = re.compile(r"^\.\. code-block:: Python\n(?:   :[\w-]+:.*\n)*(?:[ \t]*\n)*(?=\S)", re.M)


def _drop_hidden_code(app, docname, source):
    """A Learn page's code block whose lines are all plotting goes, rather than show as an empty box."""
    if docname.startswith("auto_learn/"):
        source[0] = EMPTY_CODE.sub("", source[0])


def setup(app):
    """Write the explorer page and the widget's geometry (computed by convpool) before the build reads sources."""
    import _explorer
    import _steps

    _explorer.build(HERE / "_extra")
    _steps.geometry_js(HERE / "_extra")
    app.connect("build-finished", _check_explorer)
    app.connect("html-page-context", _learn_scripts)
    app.connect("source-read", _drop_hidden_code)
