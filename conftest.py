"""Collection rules for the whole repository (the doctests of skffnn/ too).

Modules of the package that adapt to an optional extra (``skffnn.onnx`` needs
skl2onnx, ``skffnn._dask`` runs dask in its examples) cannot run their
doctests without it. For a user without the extra their doctests are reported
as one skipped test naming the extra; CI installs every extra, and there a
missing one fails instead of skipping (as ``tests/_extras.py`` does).
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

# scipy reads SCIPY_ARRAY_API once, when first imported, and scikit-learn's
# array API dispatch (tests/test_array_api.py, the estimator checks) refuses to
# start without it: set before anything imports scipy (pytest imports none).
os.environ.setdefault("SCIPY_ARRAY_API", "1")

import pytest

ROOT = Path(__file__).resolve().parent
# Package module -> (an import it needs, the extra that provides it).
EXTRA_MODULES = {
    "skffnn/onnx.py": ("skl2onnx", "onnx"),
    "skffnn/_dask.py": ("distributed", "dask"),
}
# Doctest (by its name) -> (an import it needs, the extra that provides it).
EXTRA_DOCTESTS = {"skffnn._callbacks.ProgressBar": ("rich", "progress")}
_skipped: list[tuple[Path, str]] = []


def _missing(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is None
    except ImportError:
        return True


def pytest_ignore_collect(collection_path, config):
    try:
        rel = collection_path.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return None
    need = EXTRA_MODULES.get(rel)
    if need is None or not _missing(need[0]) or os.environ.get("CI"):
        return None
    reason = f"needs skffnn's optional extra {need[1]!r} ({need[0]} is missing)"
    _skipped.append((collection_path, reason))
    return True


class _MissingExtra(pytest.Item):
    """Stands for the doctests of a module whose extra is not installed."""

    def __init__(self, *, reason, **kwargs):
        super().__init__(**kwargs)
        self.reason = reason

    def runtest(self):
        pytest.skip(self.reason)

    def reportinfo(self):
        return self.path, None, self.name


def pytest_collection_modifyitems(session, config, items):
    if not os.environ.get("CI"):
        for item in items:
            module, extra = EXTRA_DOCTESTS.get(item.name, (None, None))
            if module and _missing(module):
                reason = (
                    f"needs skffnn's optional extra {extra!r} ({module} is missing)"
                )
                item.add_marker(pytest.mark.skip(reason=reason))
    for path, reason in _skipped:
        items.append(
            _MissingExtra.from_parent(
                session,
                name=f"{path.relative_to(ROOT)}::doctests",
                reason=reason,
                path=path,
            )
        )
