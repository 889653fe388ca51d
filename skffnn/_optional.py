"""Optional dependencies: import one where it is used, or fail naming its extra.

Every module that needs a package outside numpy, scipy, scikit-learn and joblib
imports it through :func:`import_optional`, so that a user without the extra
gets one message saying what to install.
"""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = ["import_optional"]


def import_optional(module: str, extra: str, *, purpose: str = "") -> ModuleType:
    """Import ``module`` or raise an ImportError that names the extra to install.

    Parameters
    ----------
    module : str
        Dotted name of the module to import.
    extra : str
        skffnn's optional extra that provides it (installed from a checkout
        of the repository with ``python -m pip install ".[extra]"``).
    purpose : str, default=""
        What needs it, for the message.

    Returns
    -------
    module : ModuleType
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        what = f" for {purpose}" if purpose else ""
        raise ImportError(
            f"{module!r} is needed{what} but is not installed; install skffnn's "
            f"optional extra {extra!r}, from a checkout of skffnn's repository: "
            f'python -m pip install ".[{extra}]".'
        ) from exc
