"""The tabular recipe's gates: each one's forward and local gradient side by side.

Every function pair here is one node of the computational graph, written the
lecture's way: ``*_forward`` computes the output and keeps what the backward
pass needs (its *cache*); ``*_backward`` receives the upstream gradient
``dL/dout`` and returns the downstream gradients ``upstream x local`` for the
gate's input and its parameters. No autodiff: the tests check every pair
against central finite differences (``tests/test_tabular_gates.py``).

Shapes: ``n`` rows, ``d`` input features, ``k`` ensemble members.

Namespaces: every gate takes ``xp``, the array namespace it computes in.
``None`` (the default) is NumPy with its own kernels (``einsum``, the
package's in-place SELU and Mish); an array API namespace (torch, CuPy,
array-api-strict, under ``sklearn.set_config(array_api_dispatch=True)``)
gets the same formulas in plain array API operations, in the working dtype,
on the arrays' device. :mod:`skffnn._namespace` decides which, once per call.
"""

from __future__ import annotations

import numpy as np

from .._activations import (
    _SELU_ALPHA,
    _SELU_SCALE,
    ACTIVATIONS,
    _tanh_softplus,
    mish_local_gradient,
    xp_mish_local_gradient,
)

_SELU = ACTIVATIONS["selu"]

__all__ = [
    "ACTIVATION_FNS",
    "XP_ACTIVATION_FNS",
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
def smooth_clip(x: np.ndarray, c: float = 3.0, xp=None) -> np.ndarray:
    """``x / sqrt(1 + (x / c)^2)``: identity near 0, bounded by ``+-c`` far out."""
    return x / (xp or np).sqrt(1.0 + (x / c) ** 2)


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

#: The same pairs in an array API namespace ``xp``: ``f(z, xp)``, ``f'(z, f, xp)``.
XP_ACTIVATION_FNS = {
    "selu": (_SELU.xp_forward, lambda z, f, xp: _SELU.xp_local_gradient(f, xp)),
    "mish": (
        lambda z, xp: z * _tanh_softplus(z, xp),
        lambda z, f, xp: xp_mish_local_gradient(z, xp),
    ),
    "relu": (
        lambda z, xp: xp.maximum(z, xp.zeros_like(z)),
        lambda z, f, xp: xp.astype(z > 0, z.dtype),
    ),
    "tanh": (lambda z, xp: xp.tanh(z), lambda z, f, xp: 1 - f * f),
    "identity": (lambda z, xp: z, lambda z, f, xp: xp.ones_like(z)),
}


def _activation(name, xp, z, f=None):
    """``f(z)`` (``f`` None) or ``f'(z)`` of activation ``name`` in namespace ``xp``."""
    if xp is None:
        fns = ACTIVATION_FNS[name]
        return fns[0](z) if f is None else fns[1](z, f)
    fns = XP_ACTIVATION_FNS[name]
    return fns[0](z, xp) if f is None else fns[1](z, f, xp)


# -- parametric activation x + alpha (f(x) - x) (RealMLP) -----------------------------
def parametric_forward(z, alpha, name, xp=None):
    """``a = z + alpha * (f(z) - z)``, one ``alpha`` per unit (None: ``f`` itself)."""
    f = _activation(name, xp, z)
    if alpha is None:  # not parametric: the activation itself (alpha = 1)
        return f, (z, f, alpha, name, xp)
    return z + alpha * (f - z), (z, f, alpha, name, xp)


def parametric_backward(upstream, cache):
    """``da/dz = 1 + alpha (f'(z) - 1)``; ``da/dalpha = f(z) - z`` summed over rows."""
    z, f, alpha, name, xp = cache
    if alpha is None:
        return upstream * _activation(name, xp, z, f), None
    dz = upstream * (1 + alpha * (_activation(name, xp, z, f) - 1))
    rows = upstream * (f - z)
    dalpha = (xp or np).sum((xp or np).reshape(rows, (-1, z.shape[-1])), axis=0)
    return dz, dalpha


# -- NTK-parametrised affine gate (Jacot et al. 2018; RealMLP's weight scaling) -------
def linear_forward(x, W, b, xp=None):
    """``x @ W / sqrt(fan_in) + b``: weights start N(0, 1), the scale in the forward."""
    c = 1.0 / np.sqrt(W.shape[-2])
    if xp is None:
        c = x.dtype.type(c)
    else:  # a Python float takes the array's dtype
        c = float(c)
    return (x @ W) * c + b, (x, W, c, xp)


def linear_backward(upstream, cache):
    """Mul gate of a matrix product: ``dx = c g W^T``, ``dW = c x^T g``, ``db = sum g``.

    With a stack of ``k`` weight matrices (``W`` of shape ``(k, in, out)``, the
    ensemble's heads) the same rules hold member by member (batched matmul).
    """
    x, W, c, xp = cache
    xp = xp or np
    dx = (upstream @ xp.matrix_transpose(W)) * c
    dW = (xp.matrix_transpose(x) @ upstream) * c
    db = xp.sum(upstream, axis=-2)
    return dx, dW, db


# -- learnable per-feature scaling (RealMLP's scaling layer) --------------------------
def scale_forward(x, s, xp=None):
    """``x * s``, one scale per feature: the lecture's mul gate, broadcast over rows."""
    return x * s, (x, s, xp)


def scale_backward(upstream, cache):
    """Mul gate: ``dx = g s``; ``ds = sum over rows of g x`` (the copy gate's sum)."""
    x, s, xp = cache
    return upstream * s, (xp or np).sum(upstream * x, axis=0)


def _contract(spec, a, b, xp):
    """``np.einsum(spec, a, b)`` for the two-operand contractions of these gates.

    NumPy (``xp`` None) calls ``einsum``; the array API has none, so there
    each spec is its product broadcast and summed over the contracted axis.
    """
    if xp is None:
        return np.einsum(spec, a, b)
    e = xp.expand_dims
    if spec == "knd,kd->nd":
        return xp.sum(a * e(b, axis=1), axis=0)
    if spec == "knd,nd->kd":
        return xp.sum(a * e(b, axis=0), axis=1)
    if spec == "ndm,nd->dm":
        return xp.sum(a * e(b, axis=2), axis=0)
    if spec == "ndm,dm->nd":
        return xp.sum(a * e(b, axis=0), axis=2)
    raise ValueError(f"no array API form of {spec!r}")


# -- TabM-mini's per-member input scaling (Gorishniy et al. 2025) ---------------------
def member_scale_forward(x, r, xp=None):
    """``(k, n, D)``: member ``i`` sees ``x * r[i]``; ``x`` is copied ``k`` times."""
    e = (xp or np).expand_dims
    return e(x, axis=0) * e(r, axis=1), (x, r, xp)


def member_scale_backward(upstream, cache):
    """Mul then copy gate: ``dx = sum_i g_i r_i``; ``dr_i = sum over rows of g_i x``."""
    x, r, xp = cache
    dx = _contract("knd,kd->nd", upstream, r, xp)
    dr = _contract("knd,nd->kd", upstream, x, xp)
    return dx, dr


# -- periodic numerical embedding, PBLD (RealMLP) / PL (Gorishniy et al. 2022) --------
def periodic_forward(x, w, b, V, c, xp=None):
    """Per feature ``j``: ``[x_j, cos(2 pi w_j x_j + b_j) @ V_j + c_j]``.

    ``x`` is ``(n, d)``; frequencies ``w`` and phases ``b`` are ``(d, m)``; the
    per-feature linear map ``V`` is ``(d, m, e)`` with bias ``c`` ``(d, e)``.
    The raw value is kept ("densenet" in RealMLP's PBLD): output ``(n, d (1 + e))``.
    """
    two_pi = x.dtype.type(2 * np.pi) if xp is None else 2 * np.pi
    ns = xp or np
    x3 = ns.expand_dims(x, axis=2)
    u = two_pi * x3 * w + b  # (n, d, m)
    cos = ns.cos(u)
    perm = (1, 0, 2)
    v = ns.permute_dims(ns.permute_dims(cos, perm) @ V, perm) + c  # (n, d, e)
    out = ns.reshape(ns.concat([x3, v], axis=2), (x.shape[0], -1))
    return out, (x, w, u, cos, V, xp)


def periodic_backward(upstream, cache, input_grad=True):
    """Linear gate per feature, ``d cos(u)/du = -sin(u)``, then the mul gate ``w x``.

    ``input_grad=False`` skips ``dx`` (returned as None): a network whose
    input is data needs only the parameters' gradients.
    """
    x, w, u, cos, V, xp = cache
    ns = xp or np
    n, d = x.shape
    g = ns.reshape(upstream, (n, d, -1))
    gx, gv = g[:, :, 0], g[:, :, 1:]  # (n, d), (n, d, e)
    gv_t = ns.permute_dims(gv, (1, 0, 2))  # (d, n, e)
    dV = ns.permute_dims(cos, (1, 2, 0)) @ gv_t  # (d, m, e)
    dc = ns.sum(gv, axis=0)
    dcos = ns.permute_dims(gv_t @ ns.permute_dims(V, (0, 2, 1)), (1, 0, 2))  # (n, d, m)
    du = -ns.sin(u) * dcos
    two_pi = x.dtype.type(2 * np.pi) if xp is None else 2 * np.pi
    dw = two_pi * _contract("ndm,nd->dm", du, x, xp)
    db = ns.sum(du, axis=0)
    dx = gx + two_pi * _contract("ndm,dm->nd", du, w, xp) if input_grad else None
    return dx, dw, db, dV, dc


# -- dropout (Srivastava et al. 2014), inverted ---------------------------------------
def dropout_forward(x, p, rng, ns=None):
    """Zero each unit with probability ``p``, scale the rest by ``1 / (1 - p)``.

    The mask is drawn on the host (``rng``, NumPy), so that the same seed
    drops the same units on every backend; ``ns`` (an array namespace of
    :mod:`skffnn._namespace`, None for NumPy) moves it to ``x``'s device.
    """
    if p <= 0:
        return x, None
    dtype = np.dtype(x.dtype) if ns is None else ns.host_dtype(x.dtype)
    mask = (rng.random(tuple(x.shape), dtype=np.float32) >= p).astype(dtype)
    mask *= dtype.type(1 / (1 - p))
    if ns is not None:
        mask = ns.asarray(mask)
    return x * mask, mask


def dropout_backward(upstream, mask):
    """Mul gate with the (constant) mask."""
    return upstream if mask is None else upstream * mask
