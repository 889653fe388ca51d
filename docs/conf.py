"""Sphinx configuration of skffnn's documentation site.

Build (offline, warnings as errors, executing the gallery), from the repository
root::

    python -m sphinx -W --keep-going -b html docs docs/_build/html

Add ``-D plot_gallery=0`` to skip running the gallery scripts while editing text.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

# The gallery's array API example turns scikit-learn's dispatch on, which needs
# scipy to have read SCIPY_ARRAY_API=1 on its first import (below, by skffnn).
os.environ.setdefault("SCIPY_ARRAY_API", "1")

from sphinx_gallery.sorting import ExplicitOrder

import skffnn

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# The gallery draws with matplotlib; never open a window, whatever the machine.
os.environ.setdefault("MPLBACKEND", "Agg")

project = "skffnn"
author = "The skffnn developers"
copyright = "The skffnn developers, BSD-3-Clause"
release = skffnn.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
templates_path = ["_templates"]
exclude_patterns = [
    "_build",
    "Thumbs.db",
    ".DS_Store",
    # sphinx-gallery writes these next to the generated pages; they are not pages.
    "auto_examples/*.ipynb",
    "auto_examples/*.py",
    "auto_examples/*.zip",
    "auto_examples/*.md5",
    "auto_examples/*.json",
]

# -- API reference ----------------------------------------------------------
# One page per public name: autosummary follows each module's ``__all__``
# (templates in _templates/autosummary), recursing into every public submodule.
autosummary_generate = True
autosummary_ignore_module_all = False
autosummary_imported_members = True
autodoc_typehints = "none"  # numpydoc's Parameters section states the types
autodoc_member_order = "groupwise"
autodoc_default_options: dict[str, object] = {}

# numpydoc renders the sections; the class template lists the methods itself.
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True

# -- Markdown pages -----------------------------------------------------------
myst_enable_extensions = ["colon_fence", "dollarmath"]
myst_heading_anchors = 3

# -- Gallery -------------------------------------------------------------------
# Every examples/plot_*.py is executed and rendered; quickstart.py (the README's
# first command, text only) is not part of the gallery. The gallery follows the
# lecture's order, as examples/GALLERY_HEADER.rst lists it, then the features
# beyond the lecture. A script missing here comes last (the "*"), and
# tests/test_docs.py fails until it has its place.
GALLERY_ORDER = [
    "plot_activation_functions.py",
    "plot_numerical_stability.py",
    "plot_logic_gates.py",
    "plot_universal_approximation.py",
    "plot_depth_vs_width.py",
    "plot_backprop_by_hand.py",
    "plot_solvers.py",
    "plot_dropin.py",
    "plot_watching_training.py",
    "plot_deployment.py",
    "plot_scaling_out.py",
    "plot_tabular.py",
    "plot_array_api.py",
    "*",
]

sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"[\\/]plot_",
    # matched against the file name (and, in places, the full path)
    "ignore_pattern": r"(^|[\\/])(?!plot_)[^\\/]*\.py$",
    "within_subsection_order": ExplicitOrder(GALLERY_ORDER),
    # A script's last expression is not echoed: each prints what it shows.
    "capture_repr": (),
    "image_scrapers": ("matplotlib",),
    "matplotlib_animations": False,
    "doc_module": ("skffnn",),
    "reference_url": {"skffnn": None},
    "backreferences_dir": "generated/backreferences",
    "show_memory": False,
    "remove_config_comments": True,
    "download_all_examples": False,
    "abort_on_example_error": False,
    "only_warn_on_example_error": False,
    "parallel": False,
}

# -- HTML -------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"skffnn {release}"
html_static_path = ["_static"]
# Tables wider than the text column wrap inside their cells (_static/skffnn.css).
html_css_files = ["skffnn.css"]
html_js_files = ["skffnn.js"]
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "header_links_before_dropdown": 8,
}
html_show_sourcelink = False


# -- scikit-learn's inherited docstrings ------------------------------------------
# The estimators' pages include the methods they inherit from scikit-learn
# (score, get_params, set_params, the metadata-routing setters). Their
# docstrings point into scikit-learn's own user guide and glossary, which do
# not exist here (and intersphinx is off: the build is offline), so those
# references become plain text instead of broken links.
_SKLEARN_ROLE = re.compile(r":(?:ref|term):`([^`<]*?)\s*(?:<[^>]*>)?`")


def _sklearn_references_as_text(app, what, name, obj, options, lines):
    module = getattr(obj, "__module__", None) or ""
    if module.startswith("sklearn"):
        lines[:] = [_SKLEARN_ROLE.sub(r"\1", line) for line in lines]


def setup(app):
    app.connect("autodoc-process-docstring", _sklearn_references_as_text, priority=400)
