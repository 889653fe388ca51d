"""Numerically stable activation functions, their derivatives and losses.

Every function here is vectorised over NumPy arrays and written so that it
never produces ``nan`` or ``inf`` where the true value is finite, and never
emits an overflow, invalid-value or divide-by-zero warning for finite input.
The recipe, from the lecture "Numerically stable algorithms":

* only ever exponentiate numbers that are ``<= 0`` (``exp(-|x|)``,
  ``exp(x - max)``), so ``exp`` cannot overflow;
* compute both branches of a piecewise formula from those safe pieces and
  pick the branch afterwards;
* keep logarithms of probabilities in log space (``log_sigmoid``,
  ``log_softmax``) and compute losses from logits.

Dtypes: ``float64`` input gives ``float64`` output.  ``float32`` and
``float16`` input are computed in ``float64`` and rounded once to the input
dtype, which makes them faithfully (almost always correctly) rounded.  Any
other real input (ints, bools, lists, ``longdouble``) is computed and returned
in ``float64``.  Inputs are never modified unless passed as ``out``.

See ``docs/stable_math.md`` for the derivations and measured accuracy.

The output heads' training step (``skffnn._losses``) is built on this
module's private kernels, which work in their arrays' own dtype on the
network's buffers, without input checks: ``_exp_neg_abs``,
``_sigmoid_from_exp`` and ``_softplus_from_exp`` (which :func:`sigmoid` and
:func:`softplus` are made of), and ``_binary_log_loss_from_exp``,
``_shift_rows`` and ``_exp_row_sums``.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._blocks import scratch

__all__ = [
    "binary_log_loss",
    "expit",
    "identity",
    "identity_grad",
    "identity_grad_from_output",
    "log_sigmoid",
    "log_softmax",
    "logsumexp",
    "multinomial_log_loss",
    "relu",
    "relu_grad",
    "relu_grad_from_output",
    "sigmoid",
    "sigmoid_grad",
    "sigmoid_grad_from_output",
    "softmax",
    "softplus",
    "softplus_grad",
    "softplus_grad_from_output",
    "tanh",
    "tanh_grad",
    "tanh_grad_from_output",
]

FloatArray = NDArray[np.floating[Any]]

# Dtypes that are computed in float64 and rounded back once at the end.
_NARROW_FLOATS = (np.dtype(np.float32), np.dtype(np.float16))
_F64 = np.dtype(np.float64)


# --------------------------------------------------------------------------
# dtype / ``out=`` plumbing shared by every elementwise function
# --------------------------------------------------------------------------

# Elementwise functions run their ufunc passes over blocks of this many
# elements, so that the float64 temporaries (256 KiB each) stay in the CPU
# caches instead of streaming through memory: a formula of six passes then
# costs little more than its ``exp``.  Smaller blocks pay more Python
# overhead per element (about 1 us per ufunc call).
_BLOCK = 32768


def _float_input(x: ArrayLike) -> tuple[np.ndarray, np.dtype]:
    """Return ``(x as an array of a real dtype, dtype of the result)``."""
    a = np.asarray(x)
    if a.dtype.kind == "c":
        raise TypeError("complex input is not supported")
    if a.dtype.kind not in "biuf":
        a = a.astype(np.float64)
    return a, (a.dtype if a.dtype in _NARROW_FLOATS else _F64)


def _as_float64(x: ArrayLike) -> tuple[np.ndarray, np.dtype]:
    """Return ``(x as a float64 array, dtype of the result)``.

    The float64 array may be ``x`` itself, so callers must not write into it.
    """
    a, dtype = _float_input(x)
    return a.astype(np.float64, copy=False), dtype


def _check_out(out: np.ndarray | None, shape: tuple, dtype: np.dtype) -> None:
    if out is None:
        return
    if not isinstance(out, np.ndarray):
        raise TypeError(f"out must be a numpy.ndarray, got {type(out).__name__}")
    if out.shape != shape:
        raise ValueError(f"out has shape {out.shape}, expected {shape}")
    if out.dtype != dtype:
        raise TypeError(f"out has dtype {out.dtype}, expected {dtype}")


def _return(result: np.ndarray, x: np.ndarray) -> FloatArray | np.floating:
    # Like a ufunc: 0-d input gives a NumPy scalar.
    return result[()] if x.ndim == 0 else result


def _elementwise(
    kernel: Callable[..., object],
    x: ArrayLike,
    out: np.ndarray | None,
    n_scratch: int,
) -> FloatArray | np.floating:
    """Apply ``kernel(x_block, out_block, *scratch_blocks)`` block by block.

    ``x_block`` is always float64; ``out_block`` has the result dtype, and the
    kernel's last ufunc writes it, rounding its float64 result once (for
    float32/float16 output).  The kernel may read ``x_block`` until that last
    step, which is safe even when ``out`` is ``x``: every step is elementwise.
    """
    a, dtype = _float_input(x)
    _check_out(out, a.shape, dtype)
    exact_alias = out is a
    if (
        out is not None
        and out.flags.c_contiguous
        and (exact_alias or not np.may_share_memory(out, a))
    ):
        target = out
    else:  # partial overlap or a strided ``out``: go through a fresh array
        target = np.empty(a.shape, dtype)
    src = a.reshape(-1)  # a copy only if ``x`` is not C-contiguous
    dst = target.reshape(-1)
    n = src.size
    scratch = np.empty((n_scratch + 1, min(n, _BLOCK)))
    with np.errstate(under="ignore"):
        for start in range(0, n, _BLOCK):
            block = src[start : start + _BLOCK]
            size = block.size
            if block.dtype != _F64:
                np.copyto(scratch[-1, :size], block, casting="same_kind")
                block = scratch[-1, :size]
            kernel(
                block,
                dst[start : start + size],
                *(scratch[i, :size] for i in range(n_scratch)),
            )
    if out is None:
        return _return(target, a)
    if target is not out:
        np.copyto(out, target)
    return out


def _exp_neg_abs(x: np.ndarray, e: np.ndarray) -> np.ndarray:
    """``e = exp(-|x|)``: the one exponential that can never overflow."""
    np.abs(x, out=e)
    np.negative(e, out=e)
    return np.exp(e, out=e)


def _quiet_underflow(func: Callable) -> Callable:
    """Silence underflow: a result rounded to 0 or a subnormal is correct."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with np.errstate(under="ignore"):
            return func(*args, **kwargs)

    return wrapper


# --------------------------------------------------------------------------
# Activations
# --------------------------------------------------------------------------


def identity(x: ArrayLike, *, out: np.ndarray | None = None) -> FloatArray:
    """Identity activation, ``f(x) = x`` (returns a copy, or fills ``out``).

    Parameters
    ----------
    x : array_like
        Input values.
    out : ndarray, optional
        Array of the result's shape and dtype to write into; may be ``x``.

    Returns
    -------
    ndarray
        ``x`` as a floating-point array (``out`` if given).

    Examples
    --------
    >>> import numpy as np
    >>> from skffnn.functional import identity
    >>> identity([1, -2])
    array([ 1., -2.])
    """
    a, dtype = _float_input(x)
    _check_out(out, a.shape, dtype)
    if out is None:
        return _return(a.astype(dtype, copy=True), a)
    if out is not a:
        np.copyto(out, a, casting="same_kind")
    return out


def _sigmoid_from_exp(x, e, out, d):
    """``out = sigmoid(x)`` given ``e = exp(-|x|)``, in the arrays' own dtype.

    ``e`` is overwritten; ``out`` may be ``x``.  The training heads call this
    on the network's buffers (float32 stays float32 there).
    """
    np.add(e, 1.0, out=d)
    # The numerator is 1 for x >= 0 and e for x < 0: max(e, 1) = 1 and
    # max(e, 0) = e because 0 <= e <= 1 (and nan stays nan).  A branch-free
    # select: np.where or a masked copy costs as much as the exp.
    np.maximum(e, np.greater_equal(x, 0.0), out=e)
    return np.divide(e, d, out=out)


def _sigmoid_kernel(x, out, e, d):
    _exp_neg_abs(x, e)
    _sigmoid_from_exp(x, e, out, d)


def sigmoid(x: ArrayLike, *, out: np.ndarray | None = None) -> FloatArray:
    """Logistic sigmoid ``1 / (1 + exp(-x))``, computed without overflow.

    With ``e = exp(-|x|) <= 1`` the two algebraically equal branches are
    ``1 / (1 + e)`` for ``x >= 0`` and ``e / (1 + e)`` for ``x < 0``; both
    use only the safe exponential, and the branch is chosen afterwards by
    choosing the numerator.  (The naive ``1 / (1 + exp(-x))`` overflows in
    ``exp`` below ``x = -709.8`` and returns 0 for ``sigmoid(-710) = 4.5e-309``.)

    Parameters
    ----------
    x : array_like
        Input values (logits).
    out : ndarray, optional
        Array of the result's shape and dtype to write into; may be ``x``
        (``sigmoid(z, out=z)`` works in place).

    Returns
    -------
    ndarray
        Values in ``[0, 1]``; ``sigmoid(+inf) = 1``, ``sigmoid(-inf) = 0``.

    Examples
    --------
    >>> import numpy as np
    >>> from skffnn.functional import sigmoid
    >>> sigmoid(np.array([0.0, 2.0, -800.0]))
    array([0.5       , 0.88079708, 0.        ])
    >>> float(sigmoid(-710.0))
    4.47628622567513e-309
    """
    return _elementwise(_sigmoid_kernel, x, out, 2)


expit = sigmoid


def _log1p_exp_neg_abs(x, t):
    """``t = log1p(exp(-|x|))``, the part that softplus and log_sigmoid share."""
    _exp_neg_abs(x, t)
    np.log1p(t, out=t)


def _softplus_from_exp(x, e, out, t):
    """``out = softplus(x) = max(x, 0) + log1p(e)`` given ``e = exp(-|x|)``.

    ``e`` is kept (the binary head takes the sigmoid from it next); ``out``
    may be ``x``.  Works in the arrays' own dtype.
    """
    np.log1p(e, out=t)
    np.maximum(x, 0.0, out=out)
    return np.add(out, t, out=out)


def _binary_log_loss_from_exp(z, y, e, out, t):
    """Per-entry binary log-loss of finite logits ``z``, given ``e = exp(-|z|)``.

    ``y softplus(-z) + (1 - y) softplus(z)`` is ``(max(z, 0) - y z) +
    log1p(e)``: for ``y`` in ``[0, 1]`` both parts are ``>= 0``, so nothing
    cancels (``softplus(z) - y z`` would lose ``log1p(e)`` next to a large
    ``z``).  The training head's kernel, in the arrays' own dtype; ``e`` is
    kept, ``t`` is scratch.
    """
    np.multiply(y, z, out=t)
    np.maximum(z, 0.0, out=out)
    np.subtract(out, t, out=out)
    np.log1p(e, out=t)
    return np.add(out, t, out=out)


def _log_sigmoid_kernel(x, out, t, h):
    _log1p_exp_neg_abs(x, t)
    np.minimum(x, 0.0, out=h)
    np.subtract(h, t, out=out)


def log_sigmoid(x: ArrayLike, *, out: np.ndarray | None = None) -> FloatArray:
    """Log of the sigmoid, ``log(sigmoid(x)) = -softplus(-x)``, in log space.

    Computed as ``min(x, 0) - log1p(exp(-|x|))``: both terms are ``<= 0`` so
    nothing cancels, and ``log_sigmoid(-800) == -800`` where the naive
    ``log(sigmoid(-800))`` is ``log(0) = -inf``.

    Parameters
    ----------
    x : array_like
        Input values (logits).
    out : ndarray, optional
        Array of the result's shape and dtype to write into; may be ``x``.

    Returns
    -------
    ndarray
        Values in ``[-inf, 0]``.

    Examples
    --------
    >>> import numpy as np
    >>> from skffnn.functional import log_sigmoid
    >>> log_sigmoid(np.array([-800.0, 0.0, 40.0]))
    array([-8.00000000e+02, -6.93147181e-01, -4.24835426e-18])
    """
    return _elementwise(_log_sigmoid_kernel, x, out, 2)


def _softplus_kernel(x, out, e, t):
    _exp_neg_abs(x, e)
    _softplus_from_exp(x, e, out, t)


def softplus(x: ArrayLike, *, out: np.ndarray | None = None) -> FloatArray:
    """Compute softplus ``log(1 + exp(x))`` as ``max(x, 0) + log1p(exp(-|x|))``.

    That is ``log1p(exp(x))`` for ``x < 0`` and ``x + log1p(exp(-x))`` for
    ``x >= 0``: the exponential never overflows and both terms are ``>= 0``.
    (The naive ``log(1 + exp(x))`` is ``inf`` from ``x = 710`` on, and 0 below
    ``x = -37`` where the true value is ``exp(x)``.)

    Parameters
    ----------
    x : array_like
        Input values.
    out : ndarray, optional
        Array of the result's shape and dtype to write into; may be ``x``.

    Returns
    -------
    ndarray
        Values in ``[0, inf]``; ``softplus(-inf) = 0``, ``softplus(inf) = inf``.

    Examples
    --------
    >>> import numpy as np
    >>> from skffnn.functional import softplus
    >>> softplus(np.array([-40.0, 0.0, 1000.0]))
    array([4.24835426e-18, 6.93147181e-01, 1.00000000e+03])
    """
    return _elementwise(_softplus_kernel, x, out, 2)


def _tanh_kernel(x, out):
    np.tanh(x, out=out)


def tanh(x: ArrayLike, *, out: np.ndarray | None = None) -> FloatArray:
    """Hyperbolic tangent (NumPy's ``tanh``, which is already stable).

    Parameters
    ----------
    x : array_like
        Input values.
    out : ndarray, optional
        Array of the result's shape and dtype to write into; may be ``x``.

    Returns
    -------
    ndarray
        Values in ``[-1, 1]``.

    Examples
    --------
    >>> import numpy as np
    >>> from skffnn.functional import tanh
    >>> tanh(np.array([0.0, 1.0, -1000.0]))
    array([ 0.        ,  0.76159416, -1.        ])
    """
    return _elementwise(_tanh_kernel, x, out, 0)


def _exact_input(x: ArrayLike, out: np.ndarray | None) -> np.ndarray:
    """``x`` for operations that are exact in any float dtype (no float64 detour)."""
    a, dtype = _float_input(x)
    a = a.astype(dtype, copy=False)
    _check_out(out, a.shape, dtype)
    return a


def relu(x: ArrayLike, *, out: np.ndarray | None = None) -> FloatArray:
    """Rectified linear unit ``max(x, 0)`` (``nan`` propagates).

    Parameters
    ----------
    x : array_like
        Input values.
    out : ndarray, optional
        Array of the result's shape and dtype to write into; may be ``x``.

    Returns
    -------
    ndarray
        Values in ``[0, inf]``.

    Examples
    --------
    >>> import numpy as np
    >>> from skffnn.functional import relu
    >>> relu(np.array([-2.0, 0.0, 3.0]))
    array([0., 0., 3.])
    """
    a = _exact_input(x, out)
    result = np.maximum(a, np.zeros((), a.dtype), out=out)
    return result if out is not None else _return(result, a)


# --------------------------------------------------------------------------
# Derivatives
# --------------------------------------------------------------------------


def identity_grad(x: ArrayLike, *, out: np.ndarray | None = None) -> FloatArray:
    """Derivative of :func:`identity`: ones of the input's shape.

    The derivative is the constant 1, so even ``nan`` input gives 1.

    Parameters
    ----------
    x : array_like
        Input values (only their shape and dtype are used).
    out : ndarray, optional
        Array of the result's shape and dtype to write into; may be ``x``.

    Returns
    -------
    ndarray
        Ones.

    Examples
    --------
    >>> from skffnn.functional import identity_grad
    >>> identity_grad([3.0, -1.0])
    array([1., 1.])
    """
    a = _exact_input(x, out)
    if out is None:
        return _return(np.ones(a.shape, a.dtype), a)
    out.fill(1.0)
    return out


def identity_grad_from_output(
    y: ArrayLike, *, out: np.ndarray | None = None
) -> FloatArray:
    """Derivative of :func:`identity` from its output: ones.

    Parameters
    ----------
    y : array_like
        Outputs ``y = identity(x)`` (only shape and dtype are used).
    out : ndarray, optional
        Array of the result's shape and dtype to write into; may be ``y``.

    Returns
    -------
    ndarray
        Ones.

    Examples
    --------
    >>> from skffnn.functional import identity_grad_from_output
    >>> identity_grad_from_output([0.5])
    array([1.])
    """
    return identity_grad(y, out=out)


# Dekker's splitter: c * d - (c * d - d) keeps the top 26 bits of d.
_SPLITTER = 134217729.0  # 2**27 + 1


def _logistic_density(e, out, d, d_lo, p, p_lo, u, v):
    """``out = e / (1 + e)**2`` for ``0 <= e <= 1``, rounded (almost) once.

    ``e / d / d`` with ``d = fl(1 + e)`` rounds three times (up to 4 ULP).
    Instead the denominator is carried exactly as ``p + p_lo`` with
    error-free transformations (Fast2Sum for ``1 + e``, Dekker's product for
    the square), so that only ``exp``'s and one division's rounding remain:
    ``e / (p + p_lo) = q * (1 - p_lo / p)`` to within ``2**-100``.
    """
    np.add(e, 1.0, out=d)
    np.subtract(d, 1.0, out=d_lo)
    np.subtract(e, d_lo, out=d_lo)  # 1 + e == d + d_lo exactly
    np.multiply(d, d, out=p)
    # Dekker: d = hi + lo with 26-bit halves, so hi*hi, hi*lo, lo*lo are exact.
    np.multiply(d, _SPLITTER, out=u)
    np.subtract(u, d, out=v)
    np.subtract(u, v, out=u)  # u = hi
    np.subtract(d, u, out=v)  # v = lo
    np.multiply(u, u, out=p_lo)
    np.subtract(p_lo, p, out=p_lo)
    np.multiply(u, v, out=u)
    np.add(u, u, out=u)
    np.add(p_lo, u, out=p_lo)
    np.multiply(v, v, out=v)
    np.add(p_lo, v, out=p_lo)  # d*d == p + p_lo exactly
    np.multiply(d, d_lo, out=u)
    np.add(u, u, out=u)
    np.add(p_lo, u, out=p_lo)  # (d + d_lo)**2 == p + p_lo (up to d_lo**2)
    np.divide(e, p, out=u)  # q
    np.divide(p_lo, p, out=v)
    np.multiply(v, u, out=v)
    np.subtract(u, v, out=out)


def _sigmoid_grad_kernel(x, out, e, *scratch):
    _exp_neg_abs(x, e)
    _logistic_density(e, out, *scratch)


def sigmoid_grad(x: ArrayLike, *, out: np.ndarray | None = None) -> FloatArray:
    """Derivative of :func:`sigmoid` from its input, ``e / (1 + e)**2``.

    Here ``e = exp(-|x|)`` (the derivative is symmetric), so nothing
    overflows.  The textbook ``s * (1 - s)`` loses everything for large
    ``x``: ``1 - s`` rounds to 0 once ``s`` rounds to 1, from ``x = 37`` on.

    Parameters
    ----------
    x : array_like
        Input values.
    out : ndarray, optional
        Array of the result's shape and dtype to write into; may be ``x``.

    Returns
    -------
    ndarray
        Values in ``[0, 0.25]``.

    Examples
    --------
    >>> import numpy as np
    >>> from skffnn.functional import sigmoid_grad
    >>> sigmoid_grad(np.array([0.0, 40.0]))
    array([2.50000000e-01, 4.24835426e-18])
    """
    return _elementwise(_sigmoid_grad_kernel, x, out, 7)


def _sigmoid_grad_from_output_kernel(y, out, t):
    # Only a y far outside [0, 1] overflows, to the correctly rounded -inf.
    with np.errstate(over="ignore"):
        np.subtract(1.0, y, out=t)
        np.multiply(y, t, out=out)


def sigmoid_grad_from_output(
    y: ArrayLike, *, out: np.ndarray | None = None
) -> FloatArray:
    """Derivative of :func:`sigmoid` from its output ``y``: ``y * (1 - y)``.

    This is what backpropagation uses, since the forward pass kept ``y``.
    Its accuracy is limited by ``y``: near ``y = 1`` prefer
    :func:`sigmoid_grad` of the input.

    Parameters
    ----------
    y : array_like
        Outputs ``y = sigmoid(x)``.
    out : ndarray, optional
        Array of the result's shape and dtype to write into; may be ``y``.

    Returns
    -------
    ndarray
        ``y * (1 - y)``.

    Examples
    --------
    >>> from skffnn.functional import sigmoid_grad_from_output
    >>> sigmoid_grad_from_output([0.5, 0.73])
    array([0.25  , 0.1971])
    """
    return _elementwise(_sigmoid_grad_from_output_kernel, y, out, 1)


_FOUR_EXP_MINUS_128 = 1.028883749056966e-55  # 4 * exp(-128), from mpmath


def _tanh_grad_kernel(x, out, e, density, *scratch):
    np.abs(x, out=e)
    # exp(-2|x|) is 0 beyond |x| = 373; clipping first keeps 2|x| finite.
    np.minimum(e, 1000.0, out=e)
    np.multiply(e, -2.0, out=e)
    np.exp(e, out=e)
    _logistic_density(e, density, *scratch)
    # Where e is subnormal, exp has rounded it to a coarse grid, and the
    # factor 4 would magnify that error to 2 units.  There (1 + e)**2 == 1,
    # and 4e = exp(128 - 2|x|) * (4 exp(-128)) rounds the small result once
    # (2|x| - 128 is exact there, and the constant is within 0.05 ULP).
    tiny = np.less(e, 2.0**-1022)
    fix = None
    if tiny.any():
        t = np.minimum(np.abs(x[tiny]), 1000.0)
        fix = np.exp(128.0 - 2.0 * t) * _FOUR_EXP_MINUS_128
    np.multiply(density, 4.0, out=out)
    if fix is not None:
        out[tiny] = fix


def tanh_grad(x: ArrayLike, *, out: np.ndarray | None = None) -> FloatArray:
    """Derivative of :func:`tanh` from its input, ``1 - tanh(x)**2``.

    Computed as ``4 e / (1 + e)**2`` with ``e = exp(-2|x|)`` (that is,
    ``4 * sigmoid_grad(2 x)``), which keeps full relative accuracy where
    ``1 - tanh(x)**2`` rounds to 0 (from ``|x| = 19`` on).

    Parameters
    ----------
    x : array_like
        Input values.
    out : ndarray, optional
        Array of the result's shape and dtype to write into; may be ``x``.

    Returns
    -------
    ndarray
        Values in ``[0, 1]``.

    Examples
    --------
    >>> import numpy as np
    >>> from skffnn.functional import tanh_grad
    >>> tanh_grad(np.array([0.0, 20.0]))
    array([1.00000000e+00, 1.69934170e-17])
    """
    return _elementwise(_tanh_grad_kernel, x, out, 8)


def _tanh_grad_from_output_kernel(y, out, t, u):
    # (1 - y) * (1 + y) equals 1 - y*y, but 1 - y is exact near y = 1
    # (Sterbenz), where 1 - y*y would cancel the rounding error of y*y.
    # Only a y far outside [-1, 1] overflows, to the correctly rounded -inf.
    with np.errstate(over="ignore"):
        np.subtract(1.0, y, out=t)
        np.add(1.0, y, out=u)
        np.multiply(t, u, out=out)


def tanh_grad_from_output(y: ArrayLike, *, out: np.ndarray | None = None) -> FloatArray:
    """Derivative of :func:`tanh` from its output ``y``: ``1 - y**2``.

    Computed as ``(1 - y) * (1 + y)``, which is exact where ``1 - y*y``
    would cancel.

    Parameters
    ----------
    y : array_like
        Outputs ``y = tanh(x)``.
    out : ndarray, optional
        Array of the result's shape and dtype to write into; may be ``y``.

    Returns
    -------
    ndarray
        ``1 - y**2``.

    Examples
    --------
    >>> from skffnn.functional import tanh_grad_from_output
    >>> tanh_grad_from_output([0.0, 0.5])
    array([1.  , 0.75])
    """
    return _elementwise(_tanh_grad_from_output_kernel, y, out, 2)


def relu_grad(x: ArrayLike, *, out: np.ndarray | None = None) -> FloatArray:
    """Derivative of :func:`relu`: 1 where ``x > 0``, else 0 (``nan`` stays ``nan``).

    At ``x = 0`` the subgradient 0 is used, as scikit-learn does.

    Parameters
    ----------
    x : array_like
        Input values.
    out : ndarray, optional
        Array of the result's shape and dtype to write into; may be ``x``.

    Returns
    -------
    ndarray
        Zeros and ones.

    Examples
    --------
    >>> import numpy as np
    >>> from skffnn.functional import relu_grad
    >>> relu_grad(np.array([-1.0, 0.0, 2.0]))
    array([0., 0., 1.])
    """
    a = _exact_input(x, out)
    result = np.heaviside(a, np.zeros((), a.dtype), out=out)
    return result if out is not None else _return(result, a)


def relu_grad_from_output(y: ArrayLike, *, out: np.ndarray | None = None) -> FloatArray:
    """Derivative of :func:`relu` from its output ``y``: ``(y > 0)`` as floats.

    Parameters
    ----------
    y : array_like
        Outputs ``y = relu(x)``.
    out : ndarray, optional
        Array of the result's shape and dtype to write into; may be ``y``.

    Returns
    -------
    ndarray
        Zeros and ones, in ``y``'s floating dtype (``nan`` stays ``nan``).

    Examples
    --------
    >>> from skffnn.functional import relu_grad_from_output
    >>> relu_grad_from_output([0.0, 3.0])
    array([0., 1.])
    """
    return relu_grad(y, out=out)


def softplus_grad(x: ArrayLike, *, out: np.ndarray | None = None) -> FloatArray:
    """Derivative of :func:`softplus`: the sigmoid, ``softplus'(x) = sigmoid(x)``.

    Parameters
    ----------
    x : array_like
        Input values.
    out : ndarray, optional
        Array of the result's shape and dtype to write into; may be ``x``.

    Returns
    -------
    ndarray
        Values in ``[0, 1]``.

    Examples
    --------
    >>> from skffnn.functional import softplus_grad
    >>> softplus_grad([0.0])
    array([0.5])
    """
    return sigmoid(x, out=out)


def _softplus_grad_from_output_kernel(y, out, t):
    # Only a y far below 0 (no softplus output) overflows, to the correctly
    # rounded -inf.
    with np.errstate(over="ignore"):
        np.negative(y, out=t)
        np.expm1(t, out=t)
        np.negative(t, out=out)


def softplus_grad_from_output(
    y: ArrayLike, *, out: np.ndarray | None = None
) -> FloatArray:
    """Derivative of :func:`softplus` from its output ``y``: ``-expm1(-y)``.

    If ``y = log(1 + e^x)`` then ``1 - e^-y = e^x / (1 + e^x) = sigmoid(x)``;
    ``expm1`` keeps that accurate when ``y`` is tiny.

    Parameters
    ----------
    y : array_like
        Outputs ``y = softplus(x)`` (``>= 0``).
    out : ndarray, optional
        Array of the result's shape and dtype to write into; may be ``y``.

    Returns
    -------
    ndarray
        Values in ``[0, 1]``.

    Examples
    --------
    >>> import numpy as np
    >>> from skffnn.functional import softplus_grad_from_output
    >>> softplus_grad_from_output(np.log(2.0))
    np.float64(0.5)
    """
    return _elementwise(_softplus_grad_from_output_kernel, y, out, 1)


# --------------------------------------------------------------------------
# Row functions: logsumexp, softmax, log_softmax
# --------------------------------------------------------------------------


@functools.cache
def _ones(n: int, dtype: np.dtype) -> np.ndarray:
    ones = np.ones(n, dtype)
    ones.flags.writeable = False
    return ones


def _row_max(z: np.ndarray) -> np.ndarray:
    """``z.max(axis=1, keepdims=True)`` of a 2-D array, faster on a few columns.

    numpy reduces a short contiguous row at about 60 ns per row (14 us for
    200 rows of 10 logits); over the rows of the transposed copy the same
    maxima are a few vectorised passes (4 us, copy included).
    """
    if z.shape[1] > 32:
        return z.max(axis=1, keepdims=True)
    return np.ascontiguousarray(z.T).max(axis=0)[:, None]


def _row_sum(z: np.ndarray) -> np.ndarray:
    """``z.sum(axis=1)`` as a matrix-vector product (several times faster on a
    few columns than numpy's per-row reduction)."""
    return z @ _ones(z.shape[1], z.dtype)


def _shift_rows(z: np.ndarray) -> np.ndarray:
    """``z - max(z, axis=1)``: a new array ``<= 0``, exactly 0 at each row's maxima.

    The first step of the softmax head's training kernel, in ``z``'s own
    dtype; for finite ``z`` (callers check their result for ``nan``).
    """
    return z - _row_max(z)


def _exp_row_sums(s: np.ndarray) -> np.ndarray:
    """``s = exp(s)`` in place for shifted rows ``s <= 0``; returns the row sums.

    Only numbers ``<= 0`` are exponentiated, so a row sum lies in
    ``[1, n_columns]`` and ``log`` of it is :func:`logsumexp` minus the row
    maximum, to within a few units of ``n_columns * eps`` absolute (the public
    :func:`logsumexp` also keeps the tiny rest that ``1 + rest`` rounds away).
    """
    np.exp(s, out=s)
    return _row_sum(s)


def _plain_softmax(z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray | None:
    """``exp(z - max) / sum(exp(z - max))`` over the rows of 2-D ``z``, in its dtype.

    scikit-learn's formula for ``predict_proba``, at its cost: five passes.
    Each probability is within a few units of ``(1 + |z - max|) * eps`` of
    the true one (the rounding of the shift, magnified by ``exp``), where
    :func:`softmax` is within 2 ULP. None when a row's maximum is not finite
    (``nan``, ``+inf``, all ``-inf``): :func:`softmax` defines those.
    ``out`` may be ``z``; it is not written when the result is None.
    """
    m = _row_max(z)
    if not np.isfinite(m).all():
        return None
    p = np.subtract(z, m, out=out)
    with np.errstate(under="ignore"):
        np.exp(p, out=p)
        p /= _row_sum(p)[:, np.newaxis]
    return p


class _Rows:
    """``x`` as a 2-D float64 array with the reduced axis last, and back.

    Every row function works on ``rows`` of shape ``(n_rows, row_length)``;
    ``restore`` and ``restore_reduced`` undo the reshaping.
    """

    def __init__(self, x: ArrayLike, axis: int | None) -> None:
        a, self.dtype = _as_float64(x)
        self.shape = a.shape
        if axis is None or a.ndim == 0:
            self.axis = None
            self.rows = a.reshape(1, a.size)
            return
        if axis == -1 or axis == a.ndim - 1:  # no axis to move (the heads' case)
            moved = a
        else:
            moved = np.moveaxis(a, axis, -1)  # raises AxisError for a bad axis
        self.axis = int(axis) % a.ndim
        self.moved_shape = moved.shape
        self.rows = moved.reshape(math.prod(moved.shape[:-1]), moved.shape[-1])

    def _cast(self, r: np.ndarray) -> FloatArray | np.floating:
        if self.dtype != _F64:
            # x - max can exceed float32's range, whose true value is -inf.
            with np.errstate(over="ignore"):
                r = r.astype(self.dtype)
        return r[()] if r.ndim == 0 else r

    def restore(self, r: np.ndarray) -> FloatArray:
        """Shape of ``x`` from a ``(n_rows, row_length)`` result."""
        if self.axis is None:
            return self._cast(r.reshape(self.shape))
        r = r.reshape(self.moved_shape)
        if self.axis != len(self.shape) - 1:
            r = np.moveaxis(r, -1, self.axis)
        return self._cast(r)

    def restore_reduced(self, r: np.ndarray) -> FloatArray | np.floating:
        """Shape of ``x`` without ``axis`` from a ``(n_rows, 1)`` result."""
        if self.axis is None:
            return self._cast(r.reshape(()))
        return self._cast(r.reshape(self.moved_shape[:-1]))


class _ShiftedRows:
    """The shared core of the row functions, for a 2-D float64 array.

    ``m`` is the row maximum ``(n, 1)``; ``shifted = rows - m`` is ``<= 0``
    and exactly 0 at the maximum; ``e = exp(rows - m)`` (corrected for the
    rounding of ``shifted``) with the entry of one maximal element
    (``argmax``, exactly 1) set to 0, and ``rest = sum(e)``,
    so that ``sum(exp(rows - m)) = 1 + rest``.  ``bad`` marks rows whose
    maximum is not finite (``nan``, ``+inf``, all ``-inf``, empty): their
    ``shifted`` is ``-inf`` and ``rest`` is 0, and callers fix them up.
    """

    def __init__(self, rows: np.ndarray) -> None:
        n, k = rows.shape
        if k == 0:
            self.m = np.full((n, 1), -np.inf)
            self.idx = None
            self.shifted = self.e = rows.copy()
            self.rest = self.rest_low = np.zeros((n, 1))
            self.bad = np.ones(n, dtype=bool)
            return
        # argmax returns the first nan if there is one, so nan rows get m = nan.
        # (An index pair, not take/put_along_axis: 5 us less per call.)
        self.idx = (np.arange(n), np.argmax(rows, axis=1))
        self.m = rows[self.idx][:, np.newaxis]
        self.bad = ~np.isfinite(self.m[:, 0])
        any_bad = self.bad.any()
        # Shifting a non-finite row by its maximum would give inf - inf.
        m = np.where(self.bad[:, np.newaxis], 0.0, self.m) if any_bad else self.m
        # A spread > 1.8e308 overflows to -inf, whose exp is the correct 0.
        with np.errstate(over="ignore", under="ignore", invalid="ignore"):
            self.shifted, low = _two_difference(rows, m)
            if any_bad:
                self.shifted[self.bad] = -np.inf
            self.e = np.exp(self.shifted)
            # rows - m is shifted + low exactly: exp(shifted) * (1 + low) puts
            # back the rounding of the shift, which exp would magnify |shifted|
            # times (x - m = -577.3 rounds by 6e-14: 250 ULP of exp's result).
            np.multiply(low, self.e, out=low)
            np.add(self.e, low, out=self.e, where=np.isfinite(low))
        # Take the dominant term (exactly 1) out of the sum, so that a tiny
        # rest survives (1 + 4e-18 would round to 1) for log1p to keep it.
        self.e[self.idx] = 0.0
        # rest == rest + rest_low to about one rounding: with a plain sum the
        # error grows with the row length (3 ULP of log_softmax's top entry
        # on 9 columns).
        rest, rest_low = _compensated_row_sums(self.e)
        self.rest, self.rest_low = rest[:, np.newaxis], rest_low[:, np.newaxis]

    def log1p_rest(self) -> np.ndarray:
        """``log1p(rest + rest_low)``, the log of the row sum shifted by ``m``."""
        return np.log1p(self.rest) + self.rest_low / (1.0 + self.rest)


def _two_difference(
    a: np.ndarray, b: np.ndarray, d=None, low=None, b_virtual=None
) -> tuple[np.ndarray, np.ndarray]:
    """``(d, low)`` with ``d = fl(a - b)`` and ``a - b == d + low`` exactly (TwoSum).

    ``low`` is ``nan`` where ``d`` is not finite. ``d``, ``low`` and the
    temporary ``b_virtual`` are new arrays unless given.
    """
    d = np.subtract(a, b, out=d)
    b_virtual = np.subtract(a, d, out=b_virtual)  # ~ b
    low = np.add(d, b_virtual, out=low)  # ~ a
    np.subtract(a, low, out=low)
    np.subtract(b, b_virtual, out=b_virtual)
    low -= b_virtual
    return d, low


def _by_row_blocks(row_function: Callable, rows: np.ndarray) -> np.ndarray:
    """``row_function(rows)`` over blocks of about ``_BLOCK`` elements of rows.

    The row functions make a dozen passes with temporaries of their block's
    size: in cache-sized blocks of rows they cost 3-5x less on large input.
    """
    n, k = rows.shape
    step = max(1, _BLOCK // max(k, 1))
    if n <= step:
        return row_function(rows)
    out = np.empty(rows.shape)
    for lo in range(0, n, step):
        out[lo : lo + step] = row_function(rows[lo : lo + step])
    return out


# Up to this many rows, row sums are taken one row at a time by math.fsum:
# below it its per-row cost is less than the vectorised passes' per-call cost.
_FSUM_ROWS = 16


def _compensated_row_sums(t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row sums of ``t`` as ``hi + lo``, accurate to about one rounding of the sum.

    Pairwise summation with each addition's rounding error kept (TwoSum):
    the error is about ``eps * |sum| + n_columns * eps**2 * sum(|t|)``, where
    a plain sum's grows with the number of columns. The pairs are the two
    halves of the transposed rows, so that every pass is one contiguous
    vector operation; a few rows are summed exactly (``math.fsum``).
    """
    n = t.shape[0]
    if n <= _FSUM_ROWS:
        return np.array([math.fsum(row) for row in t.tolist()]), np.zeros(n)
    hi = np.array(t.T, order="C")  # (k, n): a copy (t may change afterwards)
    lo = np.zeros(n)
    while hi.shape[0] > 1:
        half = hi.shape[0] // 2
        a, b = hi[:half], hi[half : 2 * half]
        total = a + b
        b_virtual = total - a
        a_virtual = total - b_virtual
        np.subtract(b, b_virtual, out=b_virtual)
        np.subtract(a, a_virtual, out=a_virtual)
        a_virtual += b_virtual  # the rounding error of each pair's sum
        lo += a_virtual.sum(axis=0)
        hi = np.concatenate([total, hi[2 * half :]]) if hi.shape[0] % 2 else total
    return hi[0], lo


def _recentred_logsumexp(rows: np.ndarray, guess: np.ndarray) -> np.ndarray:
    """``logsumexp`` of finite-maximum rows, given a first ``guess`` ``(n, 1)``.

    ``m + log1p(rest)`` cancels when ``m < 0`` and ``log1p(rest) >= 1`` (the
    log-sum of log-probabilities, say): the rounding of ``log1p``, half an ULP
    of a number up to ``log(n_columns)``, is then many ULP of the small
    result.  Recentred on the guess, ``t = sum(exp(x - guess))`` is close to
    1, and ``guess + log1p(t - 1)`` only adds the tiny ``log1p(t - 1)``,
    computed from an exact shift and a compensated sum.
    """
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        d, low = _two_difference(rows, guess)
        e = np.exp(d)
        np.multiply(low, e, out=low)
        low[~np.isfinite(low)] = 0.0
    hi, lo = _compensated_row_sums(e)
    delta = (hi - 1.0) + (lo + low.sum(axis=1))  # hi - 1 is exact near 1
    return guess + np.log1p(delta)[:, np.newaxis]


@_quiet_underflow
def logsumexp(x: ArrayLike, axis: int | None = -1) -> FloatArray | np.floating:
    """``log(sum(exp(x)))`` along ``axis``, without overflow or lost digits.

    With ``m = max(x)`` and ``rest = sum(exp(x - m)) - 1`` (the sum without
    the dominant term, which is exactly ``exp(0) = 1``), the result is
    ``m + log1p(rest)``.  Keeping the 1 out of the sum means that
    ``logsumexp([0, -40])`` is ``4.2e-18`` and not ``log(1.0) = 0``.  Where
    that sum cancels (``m < 0``, ``log1p(rest) >= 1``: the log-sum of
    log-probabilities, say) a second pass recentres on the first result, so
    that float64 stays within 2 ULP of ``max(|true|, 1)`` everywhere.

    Rows that are all ``-inf`` (and empty rows) give ``-inf``, rows with a
    ``+inf`` give ``+inf``, rows with a ``nan`` give ``nan``.

    Parameters
    ----------
    x : array_like
        Input values.
    axis : int or None, default=-1
        Axis to reduce; ``None`` reduces over all elements.

    Returns
    -------
    ndarray or scalar
        ``x``'s shape without ``axis``.

    Examples
    --------
    >>> import numpy as np
    >>> from skffnn.functional import logsumexp
    >>> logsumexp(np.array([[1000.0, 1000.0], [0.0, -40.0]]))
    array([1.00069315e+03, 4.24835426e-18])
    >>> logsumexp([-np.inf, -np.inf])
    np.float64(-inf)
    """
    r = _Rows(x, axis)
    core = _ShiftedRows(r.rows)
    log_rest = core.log1p_rest()
    result = core.m + log_rest
    # Where m + log1p(rest) cancels, the float64 result needs a second pass
    # (narrower dtypes are rounded from float64 and need none).
    cancels = (core.m < 0) & (log_rest >= 1.0)
    cancels = cancels[:, 0] & ~core.bad
    if r.dtype == _F64 and cancels.any():
        result[cancels] = _recentred_logsumexp(r.rows[cancels], result[cancels])
    return r.restore_reduced(result)


@_quiet_underflow
def softmax(x: ArrayLike, axis: int | None = -1) -> FloatArray:
    """Softmax ``exp(x) / sum(exp(x))`` along ``axis``.

    Computed as ``exp(x - max) / (1 + rest)`` (see :func:`logsumexp`).  Rows
    containing ``+inf`` share the mass equally among their ``+inf`` entries.
    Rows with a ``nan``, and rows that are all ``-inf`` (every weight is
    ``0 / 0``: no distribution is defined), give ``nan``.

    Parameters
    ----------
    x : array_like
        Input values (logits).
    axis : int or None, default=-1
        Axis along which the result sums to 1.

    Returns
    -------
    ndarray
        Same shape as ``x``.

    Examples
    --------
    >>> import numpy as np
    >>> from skffnn.functional import softmax
    >>> softmax(np.array([1000.0, 1000.0, -np.inf]))
    array([0.5, 0.5, 0. ])
    """
    r = _Rows(x, axis)
    return r.restore(_by_row_blocks(_softmax_rows, r.rows))


def _softmax_rows(rows: np.ndarray) -> np.ndarray:
    core = _ShiftedRows(rows)
    p = core.e
    if core.idx is not None:
        p[core.idx] = 1.0
    with np.errstate(under="ignore"):
        np.divide(p, core.rest + 1.0, out=p)
    if core.bad.any():
        p[core.bad] = _softmax_nonfinite(rows[core.bad])
    return p


def _softmax_nonfinite(rows: np.ndarray) -> np.ndarray:
    """Softmax of rows whose maximum is ``+inf``, ``nan`` or ``-inf``."""
    top = rows == np.inf
    count = top.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = top / count  # 0 / 0 = nan for all -inf rows
    p[np.isnan(rows).any(axis=1)] = np.nan
    return p


@_quiet_underflow
def log_softmax(x: ArrayLike, axis: int | None = -1) -> FloatArray:
    """Log of the softmax along ``axis``, computed as ``(x - max) - log1p(rest)``.

    Both terms are ``<= 0``, so nothing cancels; and since the dominant
    term is split off the sum, the largest entry gets the tiny negative
    true value: ``log_softmax([0, -40])[0] = -4.2e-18``, not 0.

    Rows containing ``+inf`` give ``-log(count)`` on their ``+inf`` entries
    and ``-inf`` elsewhere; rows with a ``nan`` and all ``-inf`` rows give
    ``nan``.

    Parameters
    ----------
    x : array_like
        Input values (logits).
    axis : int or None, default=-1
        Axis along which to normalise.

    Returns
    -------
    ndarray
        Same shape as ``x``, values ``<= 0``.

    Examples
    --------
    >>> import numpy as np
    >>> from skffnn.functional import log_softmax
    >>> log_softmax(np.array([0.0, -40.0]))
    array([-4.24835426e-18, -4.00000000e+01])
    """
    r = _Rows(x, axis)
    return r.restore(_log_softmax_2d(r.rows))


def _log_softmax_2d(z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """:func:`log_softmax` over the rows of a 2-D float32 or float64 array (its dtype).

    The kernel of :func:`log_softmax` and of the classifier's
    ``exact_log_proba``: blocks of about ``_BLOCK`` elements of rows are
    worked on transposed, one column per row of ``z`` (a row's maximum and
    sum over a few columns are then vectorised passes, not a short reduction
    per row), in float64 scratch memory kept between calls
    (:func:`skffnn._blocks.scratch`: fresh temporaries of this size are
    page-faulted in on every call), and written straight into the result
    ``out``, which may be ``z`` (a fresh array of that size is page-faulted
    in too).
    """
    n, k = z.shape
    if out is None:
        out = np.empty((n, k), z.dtype)
    if k == 0 or n == 0:
        return out
    # Blocks of equal size, up to 2 * _BLOCK elements: each block costs
    # some 40 numpy calls (35 us) besides its passes.
    blocks = -(-n * k // (2 * _BLOCK))
    rows = step = -(-n // blocks)
    with (
        scratch([k * rows] * 5 + [rows] * 2, _F64) as bufs,
        np.errstate(all="ignore"),  # -inf entries and a shift past the range
    ):
        for lo in range(0, n, step):
            block = z[lo : lo + step]
            size = block.shape[0] * k
            _log_softmax_block(
                block,
                out[lo : lo + step],
                *(b[:size].reshape(k, -1) for b in bufs[:5]),
                *(b[: block.shape[0]] for b in bufs[5:]),
            )
    return out


def _log_softmax_block(z, out, zt, d, low, e, high, m, top_count) -> None:
    """``out = (z - m) - log1p(rest)`` for one block of rows (see :func:`log_softmax`).

    ``m`` is the row maximum and ``rest = sum(exp(z - m))`` over every entry
    but one maximum (the dominant term, exactly 1, is left out of the sum so
    that a tiny rest survives). Computed in float64 with one ``exp`` per
    entry and one ``log1p`` per row:

    - float64: ``z - m`` rounds (by 6e-14 at -577, which ``exp`` would
      magnify to 250 ULP of its result); its exact rounding error ``low``
      (TwoSum) gives each term's first-order correction ``exp(d) * low``,
      and the row sums are exact but for one rounding
      (:func:`_exact_column_sums`, or ``math.fsum`` on a few rows; a plain
      sum adds a rounding per column, 3 ULP of the top entry on 9 columns):
      within 2 ULP;
    - float32: ``z - m`` is exact in float64 (or its rounding is far below
      float32's), and float64 sums are exact enough: the result is rounded
      to float32 once.

    ``zt``, ``d``, ``low``, ``e`` and ``high`` are ``(k, rows)`` float64
    scratch arrays (the block transposed), ``m`` and ``top_count``
    ``(rows,)`` ones.
    """
    np.copyto(zt, z.T)  # float32 is widened here, one block at a time
    np.maximum.reduce(zt, axis=0, out=m)  # (the ufunc method: 1 us less)
    # nan, +inf or all -inf rows, fixed at the end (a finite sum of the
    # maxima, one call, says there are none)
    bad = None if math.isfinite(np.add.reduce(m)) else ~np.isfinite(m)
    if bad is not None and bad.any():
        m[bad] = 0.0
        bad_rows = z[bad].astype(_F64)  # before out, which may be z, is written
    else:
        bad = None
    wide = z.dtype == _F64
    if wide:  # d + low == zt - m exactly (low is nan where d is -inf)
        _two_difference(zt, m, d, low, e)
    else:
        np.subtract(zt, m, out=d)
    top = np.equal(d, 0.0, out=zt.view(np.bool_)[:, : d.shape[1]])  # the maxima
    np.exp(d, out=e)
    np.copyto(e, 0.0, where=top)  # exp(0) = 1 at each maximum, left out
    rest_low = None
    if not wide:
        rest = np.add.reduce(e, axis=0)
    elif e.shape[1] <= 4:  # a few rows: exactly, in fewer calls
        np.multiply(low, e, out=low)  # exp(z - m) - exp(d), to first order
        terms = np.concatenate((e, low)).T.tolist()
        rest = np.array([math.fsum(t for t in col if t == t) for col in terms])
    else:
        np.multiply(low, e, out=low)
        rest, rest_low = _exact_column_sums(e, low, high)
    if np.count_nonzero(top) != top.shape[1]:
        # Ties: every maximum but one belongs to the rest (exp(0) = 1 each).
        np.add.reduce(top, axis=0, out=top_count)
        top_count -= 1.0
        rest += top_count
    log_total = np.log1p(rest)
    if rest_low is not None:
        rest += 1.0
        np.divide(rest_low, rest, out=rest_low)
        log_total += rest_low
    np.subtract(d, log_total, out=out.T, casting="same_kind")
    if bad is not None:
        out[bad] = np.log(_softmax_nonfinite(bad_rows))


def _exact_column_sums(t, small, high) -> tuple[np.ndarray, np.ndarray]:
    """Column sums of ``t + small`` as ``hi + lo``, exact but for one rounding.

    ``t`` ``(k, n)`` is non-negative and ``small`` holds corrections far
    below it (``|small| <= 2**-43 t``); both are overwritten, and ``high``
    is scratch of their shape. Rump, Ogita and Oishi's extraction (*Accurate
    floating-point summation*, 2008): with ``sigma`` a power of two at least
    ``2**M`` times a column's largest term (``2**M >= k + 2``), the high parts
    ``fl(fl(sigma + t) - sigma)`` lie on the grid of ``ulp(sigma)`` and sum
    exactly, and the low parts ``t - high`` are exact and below
    ``ulp(sigma)``, so that their plain sum errs by at most about
    ``k**2 2**M eps**2`` of the column's sum. A ``nan`` in ``small`` (from a
    ``-inf`` entry, whose term is 0) adds nothing. Fewer passes and calls
    than pairwise TwoSum (10 classes: 5 passes, not 8, and 7 calls, not 36).
    """
    k = t.shape[0]
    _, exponent = np.frexp(np.maximum.reduce(t, axis=0))
    sigma = np.ldexp(1.0, exponent + max(int(k + 1).bit_length(), 1))
    np.add(t, sigma, out=high)
    np.subtract(high, sigma, out=high)
    np.subtract(t, high, out=t)  # the low parts, exactly
    t += small
    hi = np.add.reduce(high, axis=0)  # exact: on the grid, below sigma
    lo = np.add.reduce(t, axis=0)
    if np.isnan(lo).any():  # -inf entries add nothing
        lo = np.nansum(t, axis=0)
    # Fast2Sum: hi + lo == total + error exactly, as |hi| >= |lo| (hi holds
    # the high part of the largest term, at least 2**-(M+1) sigma, and
    # |lo| <= k ulp(sigma)) or hi == 0.
    total = hi + lo
    np.subtract(total, hi, out=hi)
    return total, np.subtract(lo, hi, out=lo)


# --------------------------------------------------------------------------
# Losses from logits
# --------------------------------------------------------------------------


def _weighted_mean(losses: np.ndarray, sample_weight: ArrayLike | None) -> float:
    """``np.average(losses, weights=sample_weight, axis=0).sum()``, as sklearn.

    Without overflow: huge but finite losses (logits near 1e308) can overflow
    the running sum although their mean is finite; then the weights are
    normalised first, which keeps every partial sum below the largest loss.
    """
    n = losses.shape[0]
    if sample_weight is not None:
        sample_weight = np.asarray(sample_weight, dtype=np.float64)
        if sample_weight.shape != (n,):
            raise ValueError(
                f"sample_weight has shape {sample_weight.shape}, expected ({n},)"
            )
    with np.errstate(over="ignore"):
        mean = np.average(losses, weights=sample_weight, axis=0)
        if not np.isfinite(mean).all() and np.isfinite(losses).all():
            weights = np.full(n, 1.0 / n) if sample_weight is None else sample_weight
            mean = (weights / weights.sum()) @ losses
        # A sum over outputs beyond 1.8e308 is correctly rounded to inf.
        return float(np.sum(mean))


def _xlogy_free(coef: np.ndarray, value: np.ndarray) -> np.ndarray:
    """``coef * value`` with ``0 * inf = 0``: zero coefficients contribute 0."""
    product = np.zeros(np.broadcast_shapes(coef.shape, value.shape))
    np.multiply(coef, value, out=product, where=coef != 0)
    return product


@_quiet_underflow
def binary_log_loss(
    y: ArrayLike, logits: ArrayLike, sample_weight: ArrayLike | None = None
) -> float:
    """Binary cross-entropy computed from logits, never from probabilities.

    Per output the loss is ``y * softplus(-z) + (1 - y) * softplus(z)``
    (equal to ``softplus(z) - y * z``), i.e. ``-y log(sigmoid(z)) - (1 - y)
    log(1 - sigmoid(z))`` without ever rounding a probability to 0 or 1.
    Terms with a zero coefficient contribute 0 even where the softplus is
    infinite, so ``(y=1, z=+inf)`` gives 0 and ``(y=1, z=-inf)`` gives ``inf``.

    Parameters
    ----------
    y : array_like of shape (n_samples,) or (n_samples, n_outputs)
        Targets in ``[0, 1]`` (hard or soft labels).
    logits : array_like of the same shape
        Pre-sigmoid outputs ``z``.  A ``(n_samples, 1)`` ``logits`` with 1-D
        ``y`` is accepted.
    sample_weight : array_like of shape (n_samples,), optional
        Weights, normalised by their sum.

    Returns
    -------
    float
        Weighted mean over samples of the sum over outputs, as in
        scikit-learn's ``np.average(loss, weights=sample_weight, axis=0).sum()``.

    Examples
    --------
    >>> import math
    >>> from skffnn.functional import binary_log_loss
    >>> loss = binary_log_loss([1, 0], [0.0, 0.0])  # log(2)
    >>> loss  # the digits every platform agrees on (libm's last bit varies)
    0.69314718055995
    >>> abs(loss - math.log(2)) <= 2 * math.ulp(math.log(2))  # within 2 ULP
    True
    >>> binary_log_loss([1.0], [800.0])
    0.0
    """
    yy, _ = _as_float64(y)
    z, _ = _as_float64(logits)
    if yy.ndim == 1 and z.ndim == 2 and z.shape[1] == 1:
        yy = yy[:, np.newaxis]
    if yy.shape != z.shape:
        raise ValueError(f"y has shape {yy.shape} but logits have shape {z.shape}")
    if z.ndim not in (1, 2):
        raise ValueError("y and logits must be 1-D or 2-D")
    loss = _xlogy_free(yy, softplus(-z))
    with np.errstate(over="ignore"):  # a loss beyond 1.8e308 is inf
        loss += _xlogy_free(1.0 - yy, softplus(z))
    return _weighted_mean(loss, sample_weight)


@_quiet_underflow
def multinomial_log_loss(
    Y: ArrayLike, logits: ArrayLike, sample_weight: ArrayLike | None = None
) -> float:
    """Categorical cross-entropy ``-sum(Y * log_softmax(logits))`` from logits.

    Entries where ``Y == 0`` contribute 0 even if their ``log_softmax`` is
    ``-inf``.

    Parameters
    ----------
    Y : array_like of shape (n_samples, n_classes)
        One-hot or soft (rows summing to 1) targets.
    logits : array_like of shape (n_samples, n_classes)
        Pre-softmax outputs.
    sample_weight : array_like of shape (n_samples,), optional
        Weights, normalised by their sum.

    Returns
    -------
    float
        Weighted mean over samples of the per-row cross-entropy.

    Examples
    --------
    >>> import math
    >>> from skffnn.functional import multinomial_log_loss
    >>> loss = multinomial_log_loss([[1, 0, 0]], [[0.0, 0.0, 0.0]])  # log(3)
    >>> loss  # the digits every platform agrees on (libm's last bit varies)
    1.09861228866811
    >>> abs(loss - math.log(3)) <= 2 * math.ulp(math.log(3))  # within 2 ULP
    True
    """
    YY, _ = _as_float64(Y)
    z, _ = _as_float64(logits)
    if YY.shape != z.shape or z.ndim != 2:
        raise ValueError(
            f"Y and logits must be 2-D of the same shape, got {YY.shape} and {z.shape}"
        )
    with np.errstate(over="ignore"):  # a loss beyond 1.8e308 is inf
        per_sample = -_xlogy_free(YY, log_softmax(z, axis=1)).sum(axis=1)
    return _weighted_mean(per_sample, sample_weight)


# -- any array API namespace: the same stable formulas in plain operations ----
# Used by skffnn._xp_network when a fit computes in torch, CuPy or
# array-api-strict (skffnn._namespace). No out= buffers, no blocks and no
# float64 detour: every operation stays in the working dtype on the array's
# device, and Python scalars take the array's dtype.


def _xp_exp_neg_abs(z, xp):
    """``exp(-|z|)``, never above 1: the one exponential the formulas take."""
    return xp.exp(-xp.abs(z))


def _xp_sigmoid(z, xp):
    """``1 / (1 + e)`` for ``z >= 0``, ``e / (1 + e)`` below, ``e = exp(-|z|)``."""
    e = _xp_exp_neg_abs(z, xp)
    return xp.where(z >= 0, 1 / (1 + e), e / (1 + e))


def _xp_log_sigmoid(z, xp):
    """``log(sigmoid(z)) = min(z, 0) - log1p(exp(-|z|))``: finite where true."""
    return xp.minimum(z, xp.zeros_like(z)) - xp.log1p(_xp_exp_neg_abs(z, xp))


def _xp_softplus(z, xp):
    """``log(1 + exp(z)) = max(z, 0) + log1p(exp(-|z|))``."""
    return xp.maximum(z, xp.zeros_like(z)) + xp.log1p(_xp_exp_neg_abs(z, xp))


def _xp_shifted_log_total(z, xp):
    """``(s, log S)``: ``s = z - max_row(z) <= 0`` and ``S = sum_row exp(s) >= 1``."""
    s = z - xp.max(z, axis=1, keepdims=True)
    return s, xp.log(xp.sum(xp.exp(s), axis=1))


def _xp_log_softmax(z, xp):
    """``log_softmax`` over the last axis of ``z`` (any leading axes), in ``xp``.

    ``s - log(sum(exp(s)))`` with ``s = z - max`` (:func:`_xp_shifted_log_total`,
    row by row), in the working dtype: what the Tabular estimators train and
    predict with, on NumPy as on any array API namespace.
    """
    s, log_total = _xp_shifted_log_total(xp.reshape(z, (-1, z.shape[-1])), xp)
    return xp.reshape(s - xp.expand_dims(log_total, axis=1), z.shape)


def _xp_logsumexp(z, xp, axis=0):
    """``log(sum(exp(z)))`` along ``axis``, shifted by the maximum (finite ``z``)."""
    m = xp.max(z, axis=axis, keepdims=True)
    return xp.squeeze(m, axis=axis) + xp.log(xp.sum(xp.exp(z - m), axis=axis))
