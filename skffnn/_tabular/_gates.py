"""The tabular recipe's gates: each one's forward and local gradient side by side.

Every function pair here is one node of the computational graph, written the
lecture's way: ``*_forward`` computes the output and keeps what the backward
pass needs (its *cache*); ``*_backward`` receives the upstream gradient
``dL/dout`` and returns the downstream gradients ``upstream x local`` for the
gate's input and its parameters. No autodiff: the tests check every pair
against central finite differences (``tests/test_tabular_gates.py``).

Shapes: ``n`` rows, ``d`` input features, ``k`` ensemble members.
"""

from __future__ import annotations

import numpy as np

from .._activations import (
    _SELU_ALPHA,
    _SELU_SCALE,
    ACTIVATIONS,
    _tanh_softplus,
    mish_local_gradient,
)

_SELU = ACTIVATIONS["selu"]

__all__ = [
    "ACTIVATION_FNS",
    "dropout_backward",
    "dropout_forward",
    "linear_backward",
    "linear_forward",
    "member_scale_backward",
    "member_scale_forward",
    "parametric_backward",
    "parametric_forward",
    "periodic_backward",
    "periodic_forward",
    "scale_backward",
    "scale_forward",
    "smooth_clip",
    "smooth_clip_grad",
]

# SELU's constants (Klambauer et al. 2017, "Self-Normalizing Neural Networks").
SELU_ALPHA = _SELU_ALPHA
SELU_SCALE = _SELU_SCALE


# -- smooth clipping (RealMLP's preprocessing, Holzmueller et al. 2024) ---------------
def smooth_clip(x: np.ndarray, c: float = 3.0) -> np.ndarray:
    """``x / sqrt(1 + (x / c)^2)``: identity near 0, bounded by ``+-c`` far out."""
    return x / np.sqrt(1.0 + (x / c) ** 2)


def smooth_clip_grad(x: np.ndarray, c: float = 3.0) -> np.ndarray:
    """Local gradient of :func:`smooth_clip`: ``(1 + (x/c)^2) ** -1.5``."""
    return (1.0 + (x / c) ** 2) ** -1.5


# -- elementwise activations: f(z), and f'(z) from z and f(z) --------------------------
# Each derivative may use the output f(z) when that is cheaper (SELU: f + l a
# for z < 0, no second exp; tanh: 1 - f^2); Mish needs z itself.
# SELU and Mish are the package's own gates (skffnn._activations), used here as
# functions of z (the tabular network keeps each layer's input).
def _selu(z):
    return _SELU.forward(z.copy())


def _selu_grad(z, f):
    return _SELU.local_gradient(f)


def _mish(z):
    return z * _tanh_softplus(z, np)


def _mish_grad(z, f):
    return mish_local_gradient(z)


def _relu(z):
    return np.maximum(z, 0)


def _relu_grad(z, f):
    return (z > 0).astype(z.dtype)


def _tanh_grad(z, f):
    return 1 - f * f


def _identity(z):
    return z


def _ones(z, f):
    return np.ones_like(z)


#: name -> (f(z), f'(z) as a function of z and f(z)).
ACTIVATION_FNS = {
    "selu": (_selu, _selu_grad),
    "mish": (_mish, _mish_grad),
    "relu": (_relu, _relu_grad),
    "tanh": (np.tanh, _tanh_grad),
    "identity": (_identity, _ones),
}


# -- parametric activation x + alpha (f(x) - x) (RealMLP) -----------------------------
def parametric_forward(z, alpha, name):
    """``a = z + alpha * (f(z) - z)``, one ``alpha`` per unit (None: ``f`` itself)."""
    f = ACTIVATION_FNS[name][0](z)
    if alpha is None:  # not parametric: the activation itself (alpha = 1)
        return f, (z, f, alpha, name)
    return z + alpha * (f - z), (z, f, alpha, name)


def parametric_backward(upstream, cache):
    """``da/dz = 1 + alpha (f'(z) - 1)``; ``da/dalpha = f(z) - z`` summed over rows."""
    z, f, alpha, name = cache
    if alpha is None:
        return upstream * ACTIVATION_FNS[name][1](z, f), None
    dz = upstream * (1 + alpha * (ACTIVATION_FNS[name][1](z, f) - 1))
    dalpha = (upstream * (f - z)).reshape(-1, z.shape[-1]).sum(0)
    return dz, dalpha


# -- NTK-parametrised affine gate (Jacot et al. 2018; RealMLP's weight scaling) -------
def linear_forward(x, W, b):
    """``x @ W / sqrt(fan_in) + b``: weights start N(0, 1), the scale in the forward."""
    c = x.dtype.type(1.0 / np.sqrt(W.shape[-2]))
    return (x @ W) * c + b, (x, W, c)


def linear_backward(upstream, cache):
    """Mul gate of a matrix product: ``dx = c g W^T``, ``dW = c x^T g``, ``db = sum g``.

    With a stack of ``k`` weight matrices (``W`` of shape ``(k, in, out)``, the
    ensemble's heads) the same rules hold member by member (batched matmul).
    """
    x, W, c = cache
    dx = (upstream @ np.swapaxes(W, -1, -2)) * c
    dW = (np.swapaxes(x, -1, -2) @ upstream) * c
    db = upstream.sum(-2)
    return dx, dW, db


# -- learnable per-feature scaling (RealMLP's scaling layer) --------------------------
def scale_forward(x, s):
    """``x * s``, one scale per feature: the lecture's mul gate, broadcast over rows."""
    return x * s, (x, s)


def scale_backward(upstream, cache):
    """Mul gate: ``dx = g s``; ``ds = sum over rows of g x`` (the copy gate's sum)."""
    x, s = cache
    return upstream * s, (upstream * x).sum(0)


# -- TabM-mini's per-member input scaling (Gorishniy et al. 2025) ---------------------
def member_scale_forward(x, r):
    """``(k, n, D)``: member ``i`` sees ``x * r[i]``; ``x`` is copied ``k`` times."""
    return x[None, :, :] * r[:, None, :], (x, r)


def member_scale_backward(upstream, cache):
    """Mul then copy gate: ``dx = sum_i g_i r_i``; ``dr_i = sum over rows of g_i x``."""
    x, r = cache
    dx = np.einsum("knd,kd->nd", upstream, r)
    dr = np.einsum("knd,nd->kd", upstream, x)
    return dx, dr


# -- periodic numerical embedding, PBLD (RealMLP) / PL (Gorishniy et al. 2022) --------
def periodic_forward(x, w, b, V, c):
    """Per feature ``j``: ``[x_j, cos(2 pi w_j x_j + b_j) @ V_j + c_j]``.

    ``x`` is ``(n, d)``; frequencies ``w`` and phases ``b`` are ``(d, m)``; the
    per-feature linear map ``V`` is ``(d, m, e)`` with bias ``c`` ``(d, e)``.
    The raw value is kept ("densenet" in RealMLP's PBLD): output ``(n, d (1 + e))``.
    """
    two_pi = x.dtype.type(2 * np.pi)
    u = two_pi * x[:, :, None] * w[None] + b[None]  # (n, d, m)
    cos = np.cos(u)
    v = np.matmul(cos.transpose(1, 0, 2), V).transpose(1, 0, 2) + c  # (n, d, e)
    out = np.concatenate([x[:, :, None], v], axis=2).reshape(x.shape[0], -1)
    return out, (x, w, u, cos, V)


def periodic_backward(upstream, cache):
    """Linear gate per feature, ``d cos(u)/du = -sin(u)``, then the mul gate ``w x``."""
    x, w, u, cos, V = cache
    n, d = x.shape
    g = upstream.reshape(n, d, -1)
    gx, gv = g[:, :, 0], g[:, :, 1:]  # (n, d), (n, d, e)
    gv_t = gv.transpose(1, 0, 2)  # (d, n, e)
    dV = np.matmul(cos.transpose(1, 2, 0), gv_t)  # (d, m, e)
    dc = gv.sum(0)
    dcos = np.matmul(gv_t, V.transpose(0, 2, 1)).transpose(1, 0, 2)  # (n, d, m)
    du = -np.sin(u) * dcos
    two_pi = x.dtype.type(2 * np.pi)
    dw = two_pi * np.einsum("ndm,nd->dm", du, x)
    db = du.sum(0)
    dx = gx + two_pi * np.einsum("ndm,dm->nd", du, w)
    return dx, dw, db, dV, dc


# -- dropout (Srivastava et al. 2014), inverted ---------------------------------------
def dropout_forward(x, p, rng):
    """Zero each unit with probability ``p``, scale the rest by ``1 / (1 - p)``."""
    if p <= 0:
        return x, None
    mask = (rng.random(x.shape, dtype=np.float32) >= p).astype(x.dtype)
    mask *= x.dtype.type(1 / (1 - p))
    return x * mask, mask


def dropout_backward(upstream, mask):
    """Mul gate with the (constant) mask."""
    return upstream if mask is None else upstream * mask
