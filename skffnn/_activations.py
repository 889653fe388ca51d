"""Hidden-layer gates: each activation's forward and its local gradient side by side.

A gate is one node of the computational graph. ``forward`` maps the affine
output ``z`` to ``a = f(z)`` in place. ``backward`` receives the upstream
gradient ``dL/da`` and turns it, in place, into ``dL/dz = dL/da * f'(z)``: the
lecture's rule *downstream = upstream x local*.

The local gradient is computed from the gate's *output* ``a`` rather than its
input ``z``: for every activation here ``f'(z)`` is a cheap, exact function of
``a`` (``a(1 - a)``, ``1 - a^2``, ``a > 0``, ``1 - exp(-a)``), so the forward
pass keeps one array per layer and never needs ``z`` again.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from . import functional as F

__all__ = ["ACTIVATIONS", "Gate", "get_gate"]


# numpy's maximum against a scalar takes a slow loop: max(z, 0) over a
# (256, 256) block ran 2-4x faster against a contiguous block of zeros than
# against the scalar 0 (float32 43 -> 14 us, float64 55 -> 23 us). Blocks of
# this many zeros are reused for every layer; smaller ones cost more calls.
_ZEROS_BLOCK = 1 << 15


@functools.cache
def _zeros(dtype: np.dtype) -> np.ndarray:
    zeros = np.zeros(_ZEROS_BLOCK, dtype)
    zeros.flags.writeable = False
    return zeros


def _relu_forward(z: np.ndarray, *, out: np.ndarray) -> np.ndarray:
    """``np.maximum(z, 0, out=out)`` (nan propagates) on the network's buffers.

    Not ``functional.relu``: its input checks cost more than the pass itself
    on a small layer, and the gate only ever sees its own float buffers.
    """
    if not (z.flags.c_contiguous and out.flags.c_contiguous):
        return np.maximum(z, 0, out=out)
    flat, dest, zeros = z.reshape(-1), out.reshape(-1), _zeros(z.dtype)
    for lo in range(0, flat.size, _ZEROS_BLOCK):
        hi = min(lo + _ZEROS_BLOCK, flat.size)
        np.maximum(flat[lo:hi], zeros[: hi - lo], out=dest[lo:hi])
    return out


@dataclass(frozen=True)
class Gate:
    """A hidden-layer activation: name, forward, local gradient from the output."""

    name: str
    _forward: Callable
    _grad_from_output: Callable
    # Glorot's uniform bound is sqrt(factor / (fan_in + fan_out)); scikit-learn
    # uses 2 for the logistic and 6 otherwise, and so do we for comparability.
    init_factor: float = 6.0

    def forward(self, z: np.ndarray) -> np.ndarray:
        """Apply the activation to ``z`` in place and return it."""
        return self._forward(z, out=z)

    def backward(self, upstream: np.ndarray, a: np.ndarray) -> np.ndarray:
        """Multiply ``upstream`` in place by ``f'(z)``, computed from ``a = f(z)``.

        ``a`` is overwritten (it is no longer needed once the layer's weight
        gradient has been taken), which saves a temporary per layer.
        """
        if self.name == "identity":
            return upstream
        if self.name == "relu":
            # The router: the upstream gradient passes where the unit was on.
            np.multiply(upstream, a > 0, out=upstream)
            return upstream
        self._grad_from_output(a, out=a)
        np.multiply(upstream, a, out=upstream)
        return upstream


ACTIVATIONS: dict[str, Gate] = {
    "identity": Gate("identity", F.identity, F.identity_grad_from_output),
    "logistic": Gate(
        "logistic", F.sigmoid, F.sigmoid_grad_from_output, init_factor=2.0
    ),
    # np.tanh is within 1 ULP in float64 (functional.tanh is np.tanh there);
    # in float32 it is SIMD and 5x faster than rounding a float64 result.
    "tanh": Gate("tanh", np.tanh, F.tanh_grad_from_output),
    "relu": Gate("relu", _relu_forward, F.relu_grad_from_output),
    "softplus": Gate("softplus", F.softplus, F.softplus_grad_from_output),
}
# 'sigmoid' is the lecture's name, 'logistic' scikit-learn's: both are accepted.
ACTIVATIONS["sigmoid"] = ACTIVATIONS["logistic"]


def get_gate(name: str) -> Gate:
    """Return the gate registered under ``name`` or raise a ValueError naming it."""
    try:
        return ACTIVATIONS[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"Unknown activation {name!r}; expected one of {sorted(ACTIVATIONS)}."
        ) from None
