"""Skipping tests whose optional extra is missing, except in CI.

A user without an extra sees its tests skip with a reason naming the extra. CI
installs every extra (``.ci/run``), so there a missing one is a failure, never a
silent skip.
"""

from __future__ import annotations

import importlib
import os

import pytest


def require_extra(module: str, extra: str):
    """Import ``module``; skip naming ``extra`` when it is missing (fail in CI)."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        reason = f"needs skffnn's optional extra {extra!r} ({module} is missing)"
        if os.environ.get("CI"):
            pytest.fail(f"CI installs every extra, but: {reason}: {exc}")
        pytest.skip(reason, allow_module_level=True)
