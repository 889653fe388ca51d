"""The documentation: docstrings, the Markdown pages' examples, the built site.

Three kinds of check:

1. **numpydoc validation** of every public docstring: every name in
   ``skffnn.__all__`` and in the ``__all__`` of every public submodule, and the
   public methods and properties skffnn defines on its classes. The checks
   switched off, and why (the first three are the ones scikit-learn's own
   docstring test switches off):

   - ``GL01``, ``GL02``: where the summary starts and the closing quotes sit
     (formatting, left to ruff);
   - ``RT02``: the Returns section may name what it returns (``proba :
     ndarray``), as scikit-learn's does;
   - ``ES01`` (extended summary) and ``SA01`` (See Also): a one-line function
     such as ``relu_grad`` needs neither;
   - ``EX01`` (Examples) for methods and properties only: every public
     class and function has a runnable Examples section (a doctest), as the
     project's standard asks;
   - ``PR02``, ``GL08`` for properties, whose signature numpydoc cannot read.

   Objects that are neither classes nor functions (``__version__``, a string;
   ``skffnn.onnx.CLASSIFIER_OPTIONS``, a dict) have no docstring of their own
   to validate; the built site must show them on their module's page.
2. **The Markdown pages' examples.** In ``README.md`` and ``docs/*.md``,
   every ```` ```pycon ```` block is a doctest whose output is compared with
   what the code prints (``ELLIPSIS``, ``NORMALIZE_WHITESPACE``); a
   ```` ```python ```` block runs,
   and what it prints must be exactly the ```` ```text ```` block that follows
   it (same flags), or nothing when no such block follows. The blocks of a
   page run in order, in one namespace, in a temporary directory. A
   ```` ```python ```` block preceded by
   ``<!-- excerpt: path first-last -->`` (or a ```` ```text ```` block, for a
   quoted docstring) quotes those lines of skffnn's source and must still
   match them; one preceded by ``<!-- not run: reason -->`` is
   not run (for a block that needs a cluster or a service).
3. **The built site** (``docs/_build/html``, made by the docs build in
   ``.ci/run`` before the tests): every gallery page embeds at least one image
   file that exists, every ``examples/plot_*.py`` has its gallery page, and
   every public class, function and module has its API page (constants: a
   place on their module's page). Skipped with a reason when the site has
   not been built, except in CI, where that is a failure.
"""

from __future__ import annotations

import contextlib
import doctest
import importlib
import inspect
import io
import os
import pkgutil
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from _extras import require_extra, require_sklearn, require_sklearn_version

import skffnn

require_extra("numpydoc", "docs")
numpydoc_validate = importlib.import_module("numpydoc.validate")
# MyST's own Markdown parser (myst-parser depends on it).
MarkdownIt = require_extra("markdown_it", "docs").MarkdownIt
escapedSplit = importlib.import_module("markdown_it.rules_block.table").escapedSplit

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
HTML = DOCS / "_build" / "html"
# Pages whose examples use a newer scikit-learn's feature than the oldest one
# skffnn supports: (module, version needed).
PAGE_NEEDS_SKLEARN = {"docs/watching_training.md": ("sklearn.callback", "1.9")}

# --------------------------------------------------------------------------
# Public names
# --------------------------------------------------------------------------


def public_modules() -> list[str]:
    """``skffnn`` and every submodule whose name does not start with ``_``."""
    names = [m.name for m in pkgutil.iter_modules(skffnn.__path__)]
    return ["skffnn"] + [f"skffnn.{n}" for n in sorted(names) if not n.startswith("_")]


def public_names() -> dict[str, object]:
    """``{qualified name: object}`` of every name in a public module's ``__all__``.

    A name re-exported by ``skffnn`` from a submodule is listed once, under
    ``skffnn`` (where the API reference documents it).
    """
    found: dict[str, object] = {}
    seen: set[int] = set()
    for modname in public_modules():
        module = importlib.import_module(modname)
        assert hasattr(module, "__all__"), f"{modname} has no __all__"
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.ismodule(obj):
                continue  # documented as a module of its own
            if id(obj) in seen and (inspect.isclass(obj) or inspect.isfunction(obj)):
                continue
            seen.add(id(obj))
            found[f"{modname}.{name}"] = obj
    return found


def _own_members(cls) -> list[str]:
    """Public methods and properties that skffnn (not scikit-learn) defines."""
    members = []
    for name in dir(cls):
        if name.startswith("_"):
            continue
        owner = next((k for k in cls.__mro__ if name in vars(k)), None)
        if owner is None or not owner.__module__.startswith("skffnn"):
            continue
        # getattr, not the raw attribute: scikit-learn's available_if wraps
        # partial_fit in a descriptor that returns the method.
        if isinstance(vars(owner)[name], property) or callable(getattr(cls, name)):
            members.append(name)
    return members


def docstring_targets() -> list[tuple[str, str | None, bool]]:
    """``(qualified name, kind, is_property)`` for numpydoc validation."""
    targets = []
    for qualname, obj in public_names().items():
        if inspect.isclass(obj):
            targets.append((qualname, "class", False))
            for member in _own_members(obj):
                prop = isinstance(inspect.getattr_static(obj, member), property)
                targets.append((f"{qualname}.{member}", "method", prop))
        elif callable(obj):
            targets.append((qualname, "function", False))
    return targets


IGNORED_EVERYWHERE = {"GL01", "GL02", "RT02", "ES01", "SA01"}
IGNORED_FOR_METHODS = {"EX01"}
IGNORED_FOR_PROPERTIES = {"EX01", "PR02", "GL08"}


@pytest.mark.parametrize(
    "qualname, kind, is_property",
    docstring_targets(),
    ids=[t[0] for t in docstring_targets()],
)
def test_public_docstring_passes_numpydoc_validation(qualname, kind, is_property):
    ignored = set(IGNORED_EVERYWHERE)
    if kind == "method":
        ignored |= IGNORED_FOR_PROPERTIES if is_property else IGNORED_FOR_METHODS
    result = numpydoc_validate.validate(qualname)
    errors = [f"{code}: {msg}" for code, msg in result["errors"] if code not in ignored]
    assert not errors, f"{qualname}:\n  " + "\n  ".join(errors)


def test_every_public_module_has_a_docstring_and_an_all():
    for modname in public_modules():
        module = importlib.import_module(modname)
        assert (module.__doc__ or "").strip(), f"{modname} has no docstring"
        assert isinstance(module.__all__, list | tuple), modname


# --------------------------------------------------------------------------
# The Markdown pages' examples
# --------------------------------------------------------------------------

_BLOCK = re.compile(
    r"(?:<!-- (?:excerpt: (?P<path>\S+) (?P<first>\d+)-(?P<last>\d+)"
    r"|not run: (?P<reason>[^>]*)) -->\n)?"
    r"```(?P<lang>pycon|python|text)\n(?P<code>.*?)```",
    re.DOTALL,
)
# Pages as paths from the repository root: README.md, and every docs/*.md.
PAGES = ["README.md", *sorted(f"docs/{p.name}" for p in DOCS.glob("*.md"))]
OPTIONFLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _blocks(page):
    """``(match, line of its code, text since the previous block)`` per block."""
    text = (ROOT / page).read_text()
    end = 0
    for m in _BLOCK.finditer(text):
        yield m, text.count("\n", 0, m.start("code")), text[end : m.start()]
        end = m.end()


def _run_python_block(code, namespace, where) -> str:
    """Run a ```python block; return what it printed."""
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(code, where, "exec"), namespace)
    return printed.getvalue()


def _run_pycon_block(code, namespace, page, line):
    """Run a ```pycon block as a doctest in ``namespace``; return the failures."""
    test = doctest.DocTestParser().get_doctest(
        code, namespace, page, str(ROOT / page), line
    )
    report = io.StringIO()
    runner = doctest.DocTestRunner(optionflags=OPTIONFLAGS)
    runner.run(test, out=report.write, clear_globs=False)
    namespace.update(test.globs)  # the doctest ran in a copy
    return report.getvalue()


def _check_shown_output(where, printed, shown):
    """Compare a ```python block's printed output with the ```text shown after it."""
    if shown is None:
        if printed:
            return (
                f"{where} prints output but does not show it: follow it with a "
                f"```text block of what it prints, or make it a ```pycon block:\n"
                f"{printed}"
            )
        return ""
    if not doctest.OutputChecker().check_output(shown, printed, OPTIONFLAGS):
        return f"{where} shows\n{shown}\nbut prints\n{printed}"
    return ""


def _has_examples(page) -> bool:
    return any(
        m["lang"] != "text" and not (m["path"] or m["reason"])
        for m, _, _ in _blocks(page)
    )


@pytest.mark.parametrize("page", [p for p in PAGES if _has_examples(p)])
def test_page_examples_print_what_they_show(page, tmp_path, monkeypatch):
    if page in PAGE_NEEDS_SKLEARN:
        require_sklearn(*PAGE_NEEDS_SKLEARN[page])
    if page == "docs/array_api.md":
        require_sklearn_version("1.9", "its array API contract, which skffnn follows")
    monkeypatch.chdir(tmp_path)  # a block may write files
    namespace = {"__name__": f"page_{Path(page).stem}"}
    failures, ran, pending = [], 0, None  # pending: (where, printed) of a block
    for m, line, between in _blocks(page):
        shown_output = m["lang"] == "text" and not m["path"] and not between.strip()
        if pending is not None:
            shown = m["code"] if shown_output else None
            failures.append(_check_shown_output(*pending, shown))
            pending = None
        if m["path"] or m["reason"] or m["lang"] == "text":
            continue
        ran += 1
        where = f"{page}, line {line + 1}"
        if m["lang"] == "python":
            pending = (where, _run_python_block(m["code"], namespace, where))
        else:
            failures.append(_run_pycon_block(m["code"], namespace, page, line))
    if pending is not None:
        failures.append(_check_shown_output(*pending, None))
    failures = [f for f in failures if f]
    assert not failures, "\n".join(failures)
    assert ran, f"{page}: no example ran"


def test_deploying_page_probabilities_do_not_hinge_on_rounding(tmp_path, monkeypatch):
    # The page prints probabilities to two decimals: they must come out the
    # same whatever the BLAS library rounds. A relative change of 1e-12 in the
    # data stands in for another BLAS kernel's rounding (it is larger).
    require_extra("onnxruntime", "onnx")
    from sklearn.base import clone

    monkeypatch.chdir(tmp_path)
    first, _, _ = next(iter(_blocks("docs/deploying.md")))
    namespace: dict = {}
    exec(compile(first["code"], "deploying.md", "exec"), namespace)
    page = (ROOT / "docs/deploying.md").read_text()
    rows = [int(i) for i in re.search(r"X\[\[([\d, ]+)\]\]", page)[1].split(",")]
    X, y, clf = namespace["X"], namespace["y"], namespace["clf"]
    shown = clf.predict_proba(X[rows]).round(2)
    rng = np.random.RandomState(0)
    for _ in range(3):
        nudged = X * (1 + 1e-12 * rng.standard_normal(X.shape))
        again = clone(clf).fit(nudged, y).predict_proba(X[rows]).round(2)
        np.testing.assert_array_equal(again, shown)


@pytest.mark.parametrize("page", PAGES)
def test_page_excerpts_match_the_source(page):
    for m, _, _ in _blocks(page):
        if not m["path"]:
            continue
        first, last = int(m["first"]), int(m["last"])
        source = (ROOT / m["path"]).read_text().splitlines()
        quoted = m["code"].rstrip("\n")
        assert "\n".join(source[first - 1 : last]) == quoted, (
            f"{page}: the excerpt of {m['path']} lines {first}-{last} no "
            "longer matches the source; update the excerpt or its line numbers"
        )


# --------------------------------------------------------------------------
# Installing
# --------------------------------------------------------------------------

# skffnn is not published on a package index: every instruction installs it
# from a checkout, as README.md does, with ``python -m pip install ".[extra]"``.
_FROM_AN_INDEX = re.compile(r"pip install\s+(?:-e\s+)?[\"']?skffnn\b")
_INSTALL = re.compile(r"pip install\s+(?:-e\s+)?(?P<target>\S+)")
_TEXTS = [
    "README.md",
    *sorted(str(p.relative_to(ROOT)) for p in DOCS.glob("*.md")),
    *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "examples").iterdir()),
    *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "skffnn").glob("*.py")),
]


@pytest.mark.parametrize("path", [p for p in _TEXTS if not p.endswith(".pyc")])
def test_install_instructions_install_from_a_checkout(path):
    text = (ROOT / path).read_text()
    assert not _FROM_AN_INDEX.search(text), (
        f"{path} tells users to install skffnn from a package index, where it "
        'is not published: say `python -m pip install ".[extra]"` from a checkout'
    )
    for m in _INSTALL.finditer(text):
        target = m["target"].strip("`'")
        if target != ".":
            target = target.rstrip("`).,;:'")
        if target.startswith(("scikit-learn", '"scikit-learn', "--upgrade")):
            continue  # other packages, from the index
        assert re.fullmatch(r"""(\.|"\.\[([a-z,-]+|\{extra\})\]")""", target), (
            f"{path}: `{m[0]}` is not the checkout form "
            '`python -m pip install ".[extra]"`'
        )
        line_start = text.rfind("\n", 0, m.start()) + 1
        assert text[line_start : m.start()].rstrip().endswith("python -m"), (
            f"{path}: say `python -m pip install`, as everywhere else: {m[0]}"
        )


def test_a_missing_extra_s_error_says_how_to_install_it():
    from skffnn._optional import import_optional

    with pytest.raises(ImportError) as caught:
        import_optional("skffnn_no_such_module", "dask", purpose="a test")
    message = str(caught.value)
    assert "from a checkout of skffnn's repository" in message
    assert 'python -m pip install ".[dask]"' in message


# --------------------------------------------------------------------------
# The Markdown tables
# --------------------------------------------------------------------------


def _table_cells(row: str) -> list[str]:
    """The cells of a table row as MyST (markdown-it) splits it.

    A ``|`` splits cells wherever it is not escaped, inside backticks too (as
    on GitHub): write ``\\|`` for a bar in a cell.
    """
    row = row.strip()
    if row.startswith("|"):
        row = row[1:]
    if row.endswith("|") and not row.endswith("\\|"):
        row = row[:-1]
    return escapedSplit(row)


def _tables(page):
    """``(first line number, rows)`` of every table MyST finds on ``page``."""
    text = (ROOT / page).read_text()
    lines = text.splitlines()
    parser = MarkdownIt("commonmark").enable("table")
    for token in parser.parse(text):
        if token.type == "table_open":
            first, last = token.map
            yield first + 1, lines[first:last]


@pytest.mark.parametrize("page", PAGES)
def test_every_table_row_has_the_header_s_columns(page):
    # A row with more cells than its header loses the extra ones silently (a
    # `|` inside backticks splits the cell); one with fewer gets empty cells.
    broken = []
    for line, rows in _tables(page):
        width = len(_table_cells(rows[0]))
        broken += [
            f"{page}:{line + i}: {len(_table_cells(row))} cells, header has "
            f"{width}: {row[:70]}"
            for i, row in enumerate(rows)
            if len(_table_cells(row)) != width
        ]
    assert not broken, "\n".join(broken)


def test_the_table_checker_sees_a_bar_inside_backticks():
    # The checker itself, on the kind of row that broke.
    assert len(_table_cells("| `a` | `exp(-2|x|)` | c |")) == 5
    assert len(_table_cells("| `a` | `exp(-2\\|x\\|)` | c |")) == 3


# --------------------------------------------------------------------------
# The built site
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def html():
    """The built site's directory; skip (fail in CI) when it was not built."""
    if not (HTML / "index.html").exists():
        reason = (
            "the documentation was not built: run "
            "`python -m sphinx -W --keep-going -b html docs docs/_build/html`"
        )
        if os.environ.get("CI"):
            pytest.fail(f"CI builds the docs before the tests, but {reason}")
        pytest.skip(reason)
    return HTML


class _Images(HTMLParser):
    def __init__(self):
        super().__init__()
        self.sources: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.sources += [v for k, v in attrs if k == "src" and v]


def _images(page: Path) -> list[str]:
    parser = _Images()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.sources


def test_every_example_has_a_gallery_page(html):
    for script in sorted((ROOT / "examples").glob("plot_*.py")):
        page = html / "auto_examples" / f"{script.stem}.html"
        assert page.exists(), f"{script.name} has no gallery page ({page})"


@pytest.mark.parametrize(
    "script", sorted(p.stem for p in (ROOT / "examples").glob("plot_*.py"))
)
def test_gallery_page_embeds_an_image_that_exists(html, script):
    page = html / "auto_examples" / f"{script}.html"
    if not page.exists():
        pytest.fail(f"{script}.py has no gallery page")
    figures = [
        src
        for src in _images(page)
        if "sphx_glr_" in src and not src.startswith(("http:", "https:", "data:"))
    ]
    assert figures, f"{page.name} embeds no figure of its own"
    missing = [src for src in figures if not (page.parent / src).resolve().exists()]
    assert not missing, f"{page.name} embeds images that do not exist: {missing}"


def test_every_public_name_has_an_api_page(html):
    generated = html / "generated"
    expected = public_modules()[1:]
    expected += [
        name
        for name, obj in public_names().items()
        if inspect.isclass(obj) or callable(obj)
    ]
    missing = [name for name in expected if not (generated / f"{name}.html").exists()]
    assert not missing, f"no API page for {missing}; list them in docs/api.rst"


def test_every_public_constant_is_on_its_module_page(html):
    # Names that are neither classes nor functions (a dict of options, the
    # version string) are documented on their module's page, or on the API
    # reference's front page for the package itself.
    for name, obj in public_names().items():
        if inspect.isclass(obj) or callable(obj):
            continue
        module = name.rsplit(".", 1)[0]
        if module == "skffnn":
            page, anchor = html / "api.html", name
        else:
            page, anchor = html / "generated" / f"{module}.html", f'id="{name}"'
        assert anchor in page.read_text(encoding="utf-8"), f"{name} is not on {page}"


class _CodeLinks(HTMLParser):
    """Inline ``<code>`` texts of a page, outside code blocks: linked or not."""

    def __init__(self):
        super().__init__()
        self.linked: set[str] = set()
        self.unlinked: set[str] = set()
        self._stack: list[str] = []
        self._text: list[str] | None = None
        self._in_link = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("pre", "script", "style", "nav"):
            self._stack.append(tag)
        if tag == "a" and "reference internal" in (dict(attrs).get("class") or ""):
            self._in_link += 1
        if tag == "code" and not self._stack:
            self._text = []

    def handle_endtag(self, tag):
        if tag in ("pre", "script", "style", "nav") and self._stack:
            self._stack.pop()
        if tag == "a" and self._in_link:
            self._in_link -= 1
        if tag == "code" and self._text is not None:
            # Sphinx writes a function's link as "name()".
            text = "".join(self._text).strip().removesuffix("()")
            (self.linked if self._in_link else self.unlinked).add(text)
            self._text = None

    def handle_data(self, data):
        if self._text is not None:
            self._text.append(data)


def _api_names() -> set[str]:
    """Names a reader would look up: public classes, functions, modules (short
    and qualified) and the methods skffnn adds, as they appear in prose."""
    names = set(public_modules()[1:])
    for qualname, obj in public_names().items():
        if inspect.isclass(obj) or inspect.isfunction(obj):
            names |= {qualname, qualname.rsplit(".", 1)[1]}
    # Short names that also mean something else in prose: an activation's name
    # ("relu", "sigmoid", "tanh", ...) or scikit-learn's own ProgressBar.
    names -= {"identity", "sigmoid", "tanh", "relu", "softplus", "expit"}
    names -= {"ProgressBar"}
    names |= {"exact_log_proba", "predict_log_proba", "set_callbacks"}
    return names


NARRATIVE = sorted(p.stem for p in DOCS.glob("*.md") if p.stem != "changelog")


@pytest.mark.parametrize("page", NARRATIVE)
def test_narrative_pages_link_the_names_they_show_to_their_api_pages(html, page):
    # Each public name a page shows as code is a link to its API entry at
    # least once on that page (the changelog, a record, is left as it was).
    parser = _CodeLinks()
    parser.feed((html / f"{page}.html").read_text(encoding="utf-8"))
    shown = (parser.linked | parser.unlinked) & _api_names()
    # A link under the short or the qualified name counts for both.
    linked = {name.rsplit(".", 1)[-1] for name in parser.linked}
    never_linked = sorted(n for n in shown if n.rsplit(".", 1)[-1] not in linked)
    assert not never_linked, (
        f"{page}.md shows {never_linked} but never links them to their API "
        "pages: write {class}`skffnn.FFNClassifier`, {func}`...`, {meth}`...`"
    )


# The lecture's order (its parts, in turn), then the features beyond it.
LECTURE_ORDER = [
    "plot_activation_functions",  # activation functions
    "plot_numerical_stability",  # numerically stable algorithms
    "plot_logic_gates",  # the perceptron exercise, and the lesson
    "plot_universal_approximation",  # the universal approximation theorem
    "plot_depth_vs_width",  # depth
    "plot_backprop_by_hand",  # backpropagation, computational graphs, gates
    "plot_solvers",  # training
    "plot_dropin",  # skffnn next to scikit-learn
    "plot_watching_training",
    "plot_deployment",
    "plot_scaling_out",
    "plot_tabular",
    "plot_array_api",
]


def test_gallery_follows_the_lecture_s_order(html):
    scripts = {p.stem for p in (ROOT / "examples").glob("plot_*.py")}
    assert sorted(LECTURE_ORDER) == sorted(scripts), (
        "place every example in LECTURE_ORDER here and in docs/conf.py's GALLERY_ORDER"
    )
    index = (html / "auto_examples" / "index.html").read_text(encoding="utf-8")
    thumbnails = re.findall(
        r'class="sphx-glr-thumbcontainer"[^>]*>.*?href="(plot_\w+)\.html',
        index,
        re.DOTALL,
    )
    seen = list(dict.fromkeys(thumbnails))
    assert seen == LECTURE_ORDER


def test_gallery_header_lists_the_gallery_s_order():
    header = (ROOT / "examples" / "GALLERY_HEADER.rst").read_text().lower()
    header = " ".join(header.split())
    topics = [
        "activation functions", "numerical stability", "logic gates",
        "universal approximation", "depth versus width", "backpropagation by hand",
        "the solvers", "scikit-learn's mlp", "watching training", "deployment",
        "more than one machine",
    ]  # fmt: skip
    positions = [header.index(t) for t in topics]
    assert positions == sorted(positions)


@pytest.mark.parametrize(
    "script", sorted(p.stem for p in (ROOT / "examples").glob("plot_*.py"))
)
def test_gallery_output_shows_no_repr_or_raw_dict(html, script):
    page = (html / "auto_examples" / f"{script}.html").read_text(encoding="utf-8")
    outputs = re.findall(
        r'<div class="sphx-glr-script-out[^"]*">.*?<pre>(.*?)</pre>', page, re.DOTALL
    )
    text = re.sub(r"<[^>]+>", "", "\n".join(outputs))  # the highlighter's spans
    assert not re.search(r"object at 0x[0-9a-f]+", text), f"{script} shows a repr"
    assert not re.search(r"^\s*\{(&#39;|'|&quot;)", text, re.MULTILINE), (
        f"{script} prints a raw dict"
    )
    code = re.sub(r"<[^>]+>", "", page)
    assert "def main(" not in code, f"{script} shows its test-suite helper"


def _png_width(path: Path) -> int:
    with path.open("rb") as f:
        header = f.read(24)
    assert header[:8] == b"\x89PNG\r\n\x1a\n", path
    return int.from_bytes(header[16:20], "big")


def test_gallery_figures_fit_the_text_column(html):
    # The page shows a figure in a column about 610 px wide at a 1280-px
    # window; one drawn wider than 800 px (8 inches at 100 dpi) is scaled to
    # under 3/4 of its size, its tick labels below ~10 px. (tests/
    # test_examples.py checks the figures themselves where it runs them.)
    images = sorted((html / "_images").glob("sphx_glr_plot_*.png"))
    images = [p for p in images if not p.stem.endswith("_thumb")]
    assert images, "no gallery figures were built"
    wide = {p.name: _png_width(p) for p in images if _png_width(p) > 800}
    assert not wide, f"gallery figures wider than 800 px: {wide}"
