"""Per-step schedules: a factor in [0, 1] of the training progress ``t`` in [0, 1]."""

from __future__ import annotations

import numpy as np

__all__ = ["SCHEDULES", "schedule_value"]


def _constant(t):
    return 1.0


def _coslog4(t):
    # RealMLP (Holzmueller et al. 2024): four cosine cycles on a log time axis,
    # 0 at the start and the end of training, with shorter cycles early on.
    return 0.5 * (1 - np.cos(2 * np.pi * np.log2(1 + 15 * t)))


def _cosine_warmup(t, warmup=0.05):
    # Linear warmup over the first 5% of the steps, then cosine decay to 0
    # (Loshchilov & Hutter 2017; Goyal et al. 2017).
    if t < warmup:
        return t / warmup
    return 0.5 * (1 + np.cos(np.pi * (t - warmup) / (1 - warmup)))


def _flat_cos(t):
    # RealMLP's schedule for dropout and weight decay: constant for the first
    # half, then a half cosine to 0.
    return 1.0 if t < 0.5 else 0.5 * (1 + np.cos(np.pi * (2 * t - 1)))


SCHEDULES = {
    "constant": _constant,
    "coslog4": _coslog4,
    "cosine_warmup": _cosine_warmup,
    "flat_cos": _flat_cos,
}


def schedule_value(name: str, t: float) -> float:
    """The schedule ``name`` at progress ``t`` (0 at the first step, 1 at the end).

    Examples
    --------
    >>> from skffnn._tabular._schedules import schedule_value
    >>> schedule_value("flat_cos", 0.25), schedule_value("flat_cos", 1.0)
    (1.0, 0.0)
    """
    return float(SCHEDULES[name](t))
