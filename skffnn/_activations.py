"""The network's gates: each one's forward and local gradient side by side.

A gate is one node of the computational graph. ``forward`` maps its input to
its output; ``backward`` turns the upstream gradient arriving at the output
into the downstream gradient for the input by the lecture's rule,
*downstream = upstream x local*, written once, in :meth:`Gate.backward`.

- :class:`Affine`, ``z = a @ W + b``: a mul gate (matrix form) followed by an
  add gate; its backward gives ``dW``, ``db`` and the upstream gradient of
  the layer below.
- One activation gate per hidden-layer activation, ``a = f(z)`` in place.
  The local gradient ``f'(z)`` is computed from the gate's *output* ``a``:
  for every activation here it is a cheap, exact function of ``a``
  (``a (1 - a)``, ``1 - a^2``, ``a > 0``, ``1 - exp(-a)``), so the forward
  pass keeps one array per layer and never needs ``z`` again.

``ACTIVATIONS`` is the registry, one gate per name. Each gate's formulas call
the numerically stable functions of :mod:`skffnn.functional` (only
``exp(-|z|)`` is ever taken; float32 is computed in float64 and rounded
once). Below the line at the end of the gates are the speed tricks, none
needed to read a gate. This module also owns what follows from the
``activation`` hyperparameter as the user gave it: one name per hidden layer
(:func:`hidden_activations`) and scikit-learn's Glorot factor of every layer
(:func:`glorot_factors`), the one initialisation rule.
"""

from __future__ import annotations

import functools
import threading
import weakref
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from . import functional as F

__all__ = [
    "ACTIVATIONS",
    "Affine",
    "Gate",
    "get_gate",
    "glorot_factors",
    "hidden_activations",
]


class Affine:
    """The affine gate of a layer, ``z = a @ W + b``.

    The mul gate (matrix form) swaps its inputs: ``dW = a^T @ delta`` and
    ``da = delta @ W^T``. The add gate passes ``delta`` to ``b`` unchanged,
    and since ``b`` is copied to every row the copy gate sums over rows:
    ``db = sum_rows delta``. (:func:`skffnn.gates.affine_backward` is the same
    gate, allocating its results, for the lecture.)
    """

    @staticmethod
    def forward(a, W: np.ndarray, b: np.ndarray, out: np.ndarray) -> np.ndarray:
        """``out = a @ W + b``; ``a`` may be a sparse matrix."""
        z = _matmul(a, W, out=out)  # mul
        z += b  # add
        return z

    @staticmethod
    def backward(delta, a, W, dW, db, ones, da=None):
        """Write ``dW = a^T @ delta`` and ``db = sum_rows delta``; return ``da``.

        ``delta`` is ``dL/dz`` of shape ``(n, n_out)``; ``ones`` a vector of
        ``n`` ones (``ones @ delta`` sums the rows, faster than ``sum``).
        ``da = delta @ W^T``, the upstream gradient of the layer below, is
        written into ``da`` when given (not for the first layer).
        """
        _matmul(a.T, delta, out=dW)  # mul: W gets upstream x its partner a
        np.matmul(ones, delta, out=db)  # add passes delta on; copy sums rows
        return None if da is None else np.matmul(delta, W.T, out=da)


class Gate:
    """A hidden-layer activation gate: ``a = f(z)`` and its local gradient.

    Subclasses set ``name`` and ``init_factor`` (Glorot's uniform bound is
    ``sqrt(init_factor / (fan_in + fan_out))``: scikit-learn uses 2 for the
    logistic and 6 otherwise) and define :meth:`forward` and
    :meth:`local_gradient`, side by side.
    """

    name = ""
    init_factor = 6.0

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    def forward(self, z: np.ndarray) -> np.ndarray:
        """``a = f(z)``, written over ``z`` (in place) and returned."""
        raise NotImplementedError

    def local_gradient(self, a: np.ndarray):
        """``f'(z)`` from the output ``a = f(z)``; may be written over ``a``."""
        raise NotImplementedError

    def backward(self, upstream: np.ndarray, a: np.ndarray) -> np.ndarray:
        """*downstream = upstream x local*: ``dL/dz = dL/da * f'(z)``, in ``upstream``.

        ``a`` may be overwritten (it is no longer needed once the layer's
        weight gradient has been taken), which saves a temporary per layer.
        """
        return np.multiply(upstream, self.local_gradient(a), out=upstream)

    # -- any array API namespace ``xp`` (skffnn._xp_network): plain operations
    def xp_forward(self, z, xp):
        """:meth:`forward` in namespace ``xp`` (a new array)."""
        raise NotImplementedError

    def xp_local_gradient(self, a, xp):
        """:meth:`local_gradient` in namespace ``xp`` (a new array)."""
        raise NotImplementedError


class Identity(Gate):
    """``a = z``; local gradient 1."""

    name = "identity"

    def forward(self, z):
        return z

    def local_gradient(self, a):
        return 1.0

    def xp_forward(self, z, xp):
        return z

    def xp_local_gradient(self, a, xp):
        return xp.ones_like(a)


class Logistic(Gate):
    """``a = sigmoid(z) = 1 / (1 + exp(-z))``; local gradient ``a (1 - a)``."""

    name = "logistic"
    init_factor = 2.0

    def forward(self, z):
        # 1 / (1 + e) for z >= 0 and e / (1 + e) for z < 0, e = exp(-|z|) <= 1
        return F.sigmoid(z, out=z)

    def local_gradient(self, a):
        return F.sigmoid_grad_from_output(a, out=a)  # a * (1 - a)

    def xp_forward(self, z, xp):
        return F._xp_sigmoid(z, xp)

    def xp_local_gradient(self, a, xp):
        return a * (1 - a)


class Tanh(Gate):
    """``a = tanh(z)``; local gradient ``1 - a^2``."""

    name = "tanh"

    def forward(self, z):
        # np.tanh is within 1 ULP in float64 (functional.tanh is np.tanh there);
        # in float32 it is SIMD and 5x faster than rounding a float64 result.
        return np.tanh(z, out=z)

    def local_gradient(self, a):
        return F.tanh_grad_from_output(a, out=a)  # (1 - a) * (1 + a)

    def xp_forward(self, z, xp):
        return xp.tanh(z)

    def xp_local_gradient(self, a, xp):
        return (1 - a) * (1 + a)


class Relu(Gate):
    """``a = max(z, 0)``, the max gate; local gradient ``a > 0`` (the router)."""

    name = "relu"

    def forward(self, z):
        return _max_with_zero(z)  # np.maximum(z, 0, out=z), faster

    def local_gradient(self, a):
        # A boolean mask: the multiply never materialises it as floats.
        return a > 0

    def xp_forward(self, z, xp):
        return xp.maximum(z, _xp_scalar(0, z, xp))  # nan propagates, as np.maximum

    def xp_local_gradient(self, a, xp):
        return xp.ceil(xp.minimum(a, _xp_scalar(1, a, xp)))  # a > 0: 1.0, else 0.0


class Softplus(Gate):
    """``a = log(1 + exp(z))``; local gradient ``sigmoid(z) = 1 - exp(-a)``."""

    name = "softplus"

    def forward(self, z):
        return F.softplus(z, out=z)  # max(z, 0) + log1p(exp(-|z|))

    def local_gradient(self, a):
        return F.softplus_grad_from_output(a, out=a)  # -expm1(-a)

    def xp_forward(self, z, xp):
        return F._xp_softplus(z, xp)

    def xp_local_gradient(self, a, xp):
        return -xp.expm1(-a)


# One gate per activation name.
ACTIVATIONS: dict[str, Gate] = {
    g.name: g for g in (Identity(), Logistic(), Tanh(), Relu(), Softplus())
}
# 'sigmoid' is the lecture's name, 'logistic' scikit-learn's: both are accepted.
ACTIVATIONS["sigmoid"] = ACTIVATIONS["logistic"]


# -- below the line: speed tricks, none needed to read a gate ----------------


def _matmul(a, b, out):
    """``out[...] = a @ b`` without a temporary when ``a`` is dense."""
    # The type test first: scipy's issparse is an ABC check costing 2-3 us,
    # and a small network's training step makes several products.
    if type(a) is np.ndarray or not sp.issparse(a):
        return np.matmul(a, b, out=out)
    out[...] = a @ b
    return out


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


def _max_with_zero(z: np.ndarray) -> np.ndarray:
    """``np.maximum(z, 0, out=z)`` (nan propagates), against blocks of zeros.

    Not ``functional.relu``: its input checks cost more than the pass itself
    on a small layer, and the gate only ever sees its own float buffers.
    """
    if not z.flags.c_contiguous:
        return np.maximum(z, 0, out=z)
    flat, zeros = z.reshape(-1), _zeros(z.dtype)
    for lo in range(0, flat.size, _ZEROS_BLOCK):
        hi = min(lo + _ZEROS_BLOCK, flat.size)
        np.maximum(flat[lo:hi], zeros[: hi - lo], out=flat[lo:hi])
    return z


# -- SELU and Mish (issue 21: the tabular recipe's activations) --------------------
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


class Selu(Gate):
    """``a = l z`` for ``z > 0``, ``l alpha (e^z - 1)`` otherwise; local gradient
    ``l`` where ``a > 0``, ``a + l alpha`` otherwise (Klambauer et al. 2017)."""

    name = "selu"

    def forward(self, z):
        neg = np.expm1(np.minimum(z, 0))  # e^z - 1 without overflow for z > 0
        neg *= z.dtype.type(_SELU_SCALE * _SELU_ALPHA)
        np.multiply(z, z.dtype.type(_SELU_SCALE), out=z)
        np.copyto(z, neg, where=z <= 0)
        return z

    def local_gradient(self, a):
        neg = a + a.dtype.type(_SELU_SCALE * _SELU_ALPHA)
        return np.where(a > 0, a.dtype.type(_SELU_SCALE), neg)

    def xp_forward(self, z, xp):
        neg = _SELU_SCALE * _SELU_ALPHA * xp.expm1(xp.minimum(z, xp.zeros_like(z)))
        return xp.where(z > 0, _SELU_SCALE * z, neg)

    def xp_local_gradient(self, a, xp):
        return xp.where(
            a > 0, xp.full_like(a, _SELU_SCALE), a + _SELU_SCALE * _SELU_ALPHA
        )


class Mish(Gate):
    """``a = z t``, ``t = tanh(softplus(z))``; local gradient
    ``t + z sigmoid(z) (1 - t^2)`` (Misra 2019).

    Mish is not monotone, so its local gradient is no function of the output:
    the forward keeps a copy of its input for the backward, keyed by the
    output array that the network hands back to :meth:`local_gradient` (per
    thread, the last few only).
    """

    name = "mish"
    _KEPT = 8
    _inputs = threading.local()

    def forward(self, z):
        saved = z.copy()
        np.multiply(saved, _tanh_softplus(saved, np), out=z)
        self._keep(z, saved)
        return z

    def local_gradient(self, a):
        return mish_local_gradient(self._kept(a))

    def xp_forward(self, z, xp):
        a = z * _tanh_softplus(z, xp)
        self._keep(a, z)
        return a

    def xp_local_gradient(self, a, xp):
        return xp_mish_local_gradient(self._kept(a), xp)

    def _keep(self, a, z) -> None:
        kept = self._inputs.__dict__.setdefault("d", {})
        kept.pop(id(a), None)
        kept[id(a)] = (weakref.ref(a), z)
        while len(kept) > self._KEPT:
            kept.pop(next(iter(kept)))

    def _kept(self, a):
        ref, z = self._inputs.__dict__.get("d", {}).pop(id(a), (None, None))
        if ref is None or ref() is not a:
            raise RuntimeError(
                "Mish's backward needs its forward's input: run forward first."
            )
        return z


def mish_local_gradient(z: np.ndarray) -> np.ndarray:
    """Mish's ``f'(z) = t + z sigmoid(z) (1 - t^2)``, ``t = tanh(softplus(z))``."""
    t = _tanh_softplus(z, np)
    return z * F.sigmoid(z) * (1 - t * t) + t


def xp_mish_local_gradient(z, xp):
    """:func:`mish_local_gradient` in an array API namespace ``xp``."""
    t = _tanh_softplus(z, xp)
    return z * F._xp_sigmoid(z, xp) * (1 - t * t) + t


def _tanh_softplus(z, xp):
    """``tanh(softplus(z)) = e (e + 2) / (e (e + 2) + 2)``, ``e = exp(z)``.

    1 for ``z >= 20``, where ``e (e + 2)`` would overflow in float32 soon after.
    """
    e = xp.exp(xp.minimum(z, xp.full_like(z, 20)))
    e = e * (e + 2)
    return xp.where(z < 20, e / (e + 2), xp.ones_like(z))


ACTIVATIONS["selu"] = Selu()
ACTIVATIONS["mish"] = Mish()


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


def _xp_scalar(value, like, xp):
    """A 0-d array of ``value`` in ``like``'s dtype, on its device.

    :class:`Relu`'s array API forms broadcast it: ``maximum(z, 0)`` without a
    ``zeros_like`` (a whole array written per layer), and the router
    ``ceil(min(a, 1))``, exactly ``a > 0`` for ``a = relu(z) >= 0`` in two float
    operations (a boolean mask cast to floats costs three times as much on
    torch's CPU). torch's ``maximum`` takes no Python scalar; ``full``, not
    ``asarray``: torch waits for the device to copy a host scalar to CUDA.
    """
    from ._sklearn import array_api_compat

    return xp.full((), value, dtype=like.dtype, device=array_api_compat.device(like))
