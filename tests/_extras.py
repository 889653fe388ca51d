"""Skipping tests whose optional extra is missing, except in CI.

A user without an extra sees its tests skip with a reason naming the extra. CI
installs every extra (``.ci/run``), so there a missing one is a failure, never a
silent skip.

A feature that the installed scikit-learn lacks is different: CI tests both ends
of the supported window (``.ci/run``), and at the old end such a test skips, in
CI too, with a reason naming the scikit-learn version it needs.
"""

from __future__ import annotations

import importlib
import os

import pytest
import sklearn
from sklearn.utils.fixes import parse_version


def require_extra(module: str, extra: str):
    """Import ``module``; skip naming ``extra`` when it is missing (fail in CI)."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        reason = f"needs skffnn's optional extra {extra!r} ({module} is missing)"
        if os.environ.get("CI"):
            pytest.fail(f"CI installs every extra, but: {reason}: {exc}")
        pytest.skip(reason, allow_module_level=True)


def require_sklearn(module: str, version: str):
    """Import scikit-learn's ``module``; skip naming ``version`` where it is absent.

    For features of scikit-learn newer than the oldest one skffnn supports (its
    experimental ``sklearn.callback``): at the old end of the window the test
    skips, also in CI, with a reason naming the version needed.
    """
    try:
        return importlib.import_module(module)
    except ImportError:
        pytest.skip(
            f"needs scikit-learn >= {version} ({module}); the installed "
            f"scikit-learn is {sklearn.__version__}",
            allow_module_level=True,
        )


def require_sklearn_version(version: str, why: str) -> None:
    """Skip (also in CI) where the installed scikit-learn is older than ``version``.

    For a test whose oracle, scikit-learn's own MLP, behaves differently before
    ``version``; ``why`` says how.
    """
    if parse_version(sklearn.__version__) < parse_version(version):
        pytest.skip(
            f"needs scikit-learn >= {version} ({why}); the installed "
            f"scikit-learn is {sklearn.__version__}"
        )


def require_array_api():
    """``(torch, array_api_strict)`` for the array API tests, or skip.

    Skips (also in CI) where the installed scikit-learn predates its array
    API contract (1.9: ``classes_`` in y's namespace); the two libraries are
    the ``array-api`` extra (a failure in CI when missing).
    """
    from skffnn._sklearn import ARRAY_API_SUPPORTED

    if not ARRAY_API_SUPPORTED:
        pytest.skip(
            "needs scikit-learn >= 1.9 (its array API contract: classes_ in y's "
            f"namespace); the installed scikit-learn is {sklearn.__version__}",
            allow_module_level=True,
        )
    return require_extra("torch", "array-api"), require_extra(
        "array_api_strict", "array-api"
    )
