"""Hidden-layer gates: each activation's forward and its local gradient side by side.

A gate is one node of the computational graph. ``forward`` maps the affine
output ``z`` to ``a = f(z)`` in place. ``backward`` receives the upstream
gradient ``dL/da`` and turns it, in place, into ``dL/dz = dL/da * f'(z)``: the
lecture's rule *downstream = upstream x local*.

The local gradient is computed from the gate's *output* ``a`` rather than its
input ``z``: for every activation here ``f'(z)`` is a cheap, exact function of
``a`` (``a(1 - a)``, ``1 - a^2``, ``a > 0``, ``1 - exp(-a)``), so the forward
pass keeps one array per layer and never needs ``z`` again.

``ACTIVATIONS`` is the table: one :class:`Gate` row per activation, its
forward and its backward registered side by side. This module also owns what
follows from the ``activation`` hyperparameter as the user gave it: one name
per hidden layer (:func:`hidden_activations`) and scikit-learn's Glorot
factor of every layer (:func:`glorot_factors`), the one initialisation rule.
"""

from __future__ import annotations

import functools
import threading
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from . import functional as F

__all__ = ["ACTIVATIONS", "Gate", "get_gate", "glorot_factors", "hidden_activations"]


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


def _identity_forward(z: np.ndarray, *, out: np.ndarray) -> np.ndarray:
    """The identity gate's forward: ``z`` itself, already in place."""
    if out is not z:
        out[...] = z
    return out


def _identity_backward(upstream: np.ndarray, a: np.ndarray) -> np.ndarray:
    """The identity's local gradient is 1: the upstream gradient passes as it is."""
    return upstream


def _relu_backward(upstream: np.ndarray, a: np.ndarray) -> np.ndarray:
    """The router: the upstream gradient passes where the unit was on (``a > 0``).

    ``f'`` from the output is ``functional.relu_grad_from_output``; the mask
    multiplies without materialising it as floats.
    """
    return np.multiply(upstream, a > 0, out=upstream)


def _backward_from(grad_from_output: Callable) -> Callable:
    """Backward of a gate whose local gradient ``f'(z)`` is a function of ``a = f(z)``.

    ``a`` is overwritten by ``f'(z)`` (it is no longer needed once the layer's
    weight gradient has been taken), which saves a temporary per layer.
    """

    def backward(upstream: np.ndarray, a: np.ndarray) -> np.ndarray:
        grad_from_output(a, out=a)
        return np.multiply(upstream, a, out=upstream)

    backward.__name__ = f"backward_from_{grad_from_output.__name__}"
    return backward


@dataclass(frozen=True)
class Gate:
    """A hidden-layer activation: one row, its forward and backward side by side.

    Parameters
    ----------
    name : str
    forward_fn : callable ``(z, *, out) -> a``
        ``a = f(z)``, written into ``out`` (which is ``z``: in place).
    backward_fn : callable ``(upstream, a) -> downstream``
        ``dL/dz = dL/da * f'(z)`` from the gate's output ``a``, written into
        ``upstream``; may overwrite ``a``.
    init_factor : float, default=6.0
        Glorot's uniform bound is ``sqrt(init_factor / (fan_in + fan_out))``;
        scikit-learn uses 2 for the logistic and 6 otherwise.
    """

    name: str
    forward_fn: Callable
    backward_fn: Callable
    init_factor: float = 6.0

    def forward(self, z: np.ndarray) -> np.ndarray:
        """Apply the activation to ``z`` in place and return it."""
        return self.forward_fn(z, out=z)

    def backward(self, upstream: np.ndarray, a: np.ndarray) -> np.ndarray:
        """Multiply ``upstream`` in place by ``f'(z)``, computed from ``a = f(z)``.

        ``a`` may be overwritten (it is no longer needed once the layer's
        weight gradient has been taken), which saves a temporary per layer.
        """
        return self.backward_fn(upstream, a)


# One row per gate: its forward and its backward, registered side by side.
ACTIVATIONS: dict[str, Gate] = {
    "identity": Gate("identity", _identity_forward, _identity_backward),
    "logistic": Gate(
        "logistic",
        F.sigmoid,
        _backward_from(F.sigmoid_grad_from_output),
        init_factor=2.0,
    ),
    # np.tanh is within 1 ULP in float64 (functional.tanh is np.tanh there);
    # in float32 it is SIMD and 5x faster than rounding a float64 result.
    "tanh": Gate("tanh", np.tanh, _backward_from(F.tanh_grad_from_output)),
    "relu": Gate("relu", _relu_forward, _relu_backward),
    "softplus": Gate(
        "softplus", F.softplus, _backward_from(F.softplus_grad_from_output)
    ),
}
# 'sigmoid' is the lecture's name, 'logistic' scikit-learn's: both are accepted.
ACTIVATIONS["sigmoid"] = ACTIVATIONS["logistic"]


# -- SELU and Mish (issue 21), one self-contained block ----------------------------
# SELU (Klambauer et al. 2017): f(z) = l z for z > 0, l a (e^z - 1) otherwise. Its
# local gradient is a function of the output: l for a > 0, a + l a otherwise.
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _selu_forward(z: np.ndarray, *, out: np.ndarray) -> np.ndarray:
    """``l z`` for ``z > 0``, ``l a expm1(z)`` otherwise, into ``out``."""
    neg = np.expm1(np.minimum(z, 0))
    neg *= z.dtype.type(_SELU_SCALE * _SELU_ALPHA)
    np.multiply(z, z.dtype.type(_SELU_SCALE), out=out)
    np.copyto(out, neg, where=out <= 0)
    return out


def _selu_backward(upstream: np.ndarray, a: np.ndarray) -> np.ndarray:
    """``f'(z)`` from the output: ``l`` where ``a > 0``, else ``a + l alpha``."""
    neg = a + a.dtype.type(_SELU_SCALE * _SELU_ALPHA)
    local = np.where(a > 0, a.dtype.type(_SELU_SCALE), neg)
    return np.multiply(upstream, local, out=upstream)


# Mish (Misra 2019): f(z) = z tanh(softplus(z)). It is not monotone, so f'(z)
# is not a function of the output: the forward keeps a copy of its input for
# the backward, keyed by the output buffer (which the network hands back to
# the backward), per thread, the last few only.
_MISH_KEPT = 8
_mish_inputs = threading.local()


def _mish_tanh_softplus(z: np.ndarray) -> np.ndarray:
    # tanh(softplus(z)) = e (e + 2) / (e (e + 2) + 2), e = exp(z); 1 for z >= 20
    e = np.exp(np.minimum(z, 20))
    e *= e + 2
    return np.where(z < 20, e / (e + 2), 1)


def _mish_forward(z: np.ndarray, *, out: np.ndarray) -> np.ndarray:
    """``z tanh(softplus(z))`` into ``out``; the input is kept for the backward."""
    kept = getattr(_mish_inputs, "d", None)
    if kept is None:
        kept = _mish_inputs.d = {}
    saved = z.copy()
    np.multiply(saved, _mish_tanh_softplus(saved), out=out)
    kept.pop(id(out), None)
    kept[id(out)] = (weakref.ref(out), saved)
    while len(kept) > _MISH_KEPT:
        kept.pop(next(iter(kept)))
    return out


def _mish_backward(upstream: np.ndarray, a: np.ndarray) -> np.ndarray:
    """``f'(z) = t + z sigmoid(z) (1 - t^2)``, ``t = tanh(softplus(z))``, kept ``z``."""
    ref, z = getattr(_mish_inputs, "d", {}).pop(id(a), (None, None))
    if ref is None or ref() is not a:
        raise RuntimeError(
            "Mish's backward needs its forward's input: run forward first."
        )
    t = _mish_tanh_softplus(z)
    local = z * F.sigmoid(z) * (1 - t * t) + t
    return np.multiply(upstream, local, out=upstream)


ACTIVATIONS["selu"] = Gate("selu", _selu_forward, _selu_backward)
ACTIVATIONS["mish"] = Gate("mish", _mish_forward, _mish_backward)


def get_gate(name: str) -> Gate:
    """Return the gate registered under ``name`` or raise a ValueError naming it."""
    try:
        return ACTIVATIONS[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"Unknown activation {name!r}; expected one of {sorted(ACTIVATIONS)}."
        ) from None


def hidden_activations(activation: str | Sequence[str], n_hidden: int) -> list[str]:
    """One activation name per hidden layer, from ``activation`` as the user gave it.

    Parameters
    ----------
    activation : str or sequence of str
        One name for every hidden layer, or one name per hidden layer.
    n_hidden : int
        Number of hidden layers.

    Returns
    -------
    list of str
        ``n_hidden`` names, each checked against the registered gates.

    Raises
    ------
    ValueError
        For an unknown name or a list of the wrong length.

    Examples
    --------
    >>> from skffnn._activations import hidden_activations
    >>> hidden_activations("tanh", 2)
    ['tanh', 'tanh']
    """
    names = [activation] * n_hidden if isinstance(activation, str) else list(activation)
    if len(names) != n_hidden:
        raise ValueError(
            f"activation has {len(names)} entries for {n_hidden} hidden layers; "
            "give one name, or one name per hidden layer."
        )
    for name in names:
        get_gate(name)
    if isinstance(activation, str):
        get_gate(activation)  # also with no hidden layer: a typo is still a typo
    return names


def glorot_factors(activation: str | Sequence[str], n_hidden: int) -> list[float]:
    """Glorot factor of every layer, scikit-learn's rule, from ``activation`` as given.

    scikit-learn's ``_init_coef`` uses one factor for every layer, the output
    layer included: 2 when ``activation == 'logistic'``, 6 otherwise (also
    with no hidden layer at all). A per-layer list of names gives each
    hidden layer its own activation's factor and the output layer the last
    hidden layer's ('sigmoid' is 'logistic').

    Parameters
    ----------
    activation : str or sequence of str
        The ``activation`` hyperparameter, unchanged.
    n_hidden : int
        Number of hidden layers.

    Returns
    -------
    list of float
        ``n_hidden + 1`` factors, one per weight matrix.

    Examples
    --------
    >>> from skffnn._activations import glorot_factors
    >>> glorot_factors("logistic", 0)
    [2.0]
    >>> glorot_factors(["relu", "logistic"], 2)
    [6.0, 2.0, 2.0]
    """
    names = hidden_activations(activation, n_hidden)
    if isinstance(activation, str):
        return [get_gate(activation).init_factor] * (n_hidden + 1)
    if not names:  # an empty list: no hidden layer, scikit-learn's default
        return [6.0]
    factors = [get_gate(name).init_factor for name in names]
    return [*factors, factors[-1]]
