"""The array namespace of a fit: the one place that knows which library computes.

With ``sklearn.set_config(array_api_dispatch=True)``, a model fitted on a torch
tensor (or any array API array: array-api-strict, CuPy) computes in ``X``'s
namespace and on its device. :func:`namespace_of` decides this once per call
from ``X``; everything else asks the object it returns:

- :class:`NumpyNamespace` (the default, and every NumPy, list, data frame or
  sparse input): the network, the optimizers and the batching keep their NumPy
  speed tricks (``out=`` buffers, cache blocks, the float64 detour), exactly
  as without dispatch;
- :class:`ArrayNamespace`: plain array API operations (no ``out=``, no
  blocks), in the working dtype, on ``X``'s device.

What stays on the host either way: the random draws (initial weights,
shuffles, the validation split: the same ``random_state`` gives the same
batches on every backend), the target encoding (labels, class weights), and
scipy's L-BFGS-B, which runs on a host float64 vector with one copy each way
per evaluation.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import sklearn
from sklearn import get_config

from ._sklearn import (
    ARRAY_API_SUPPORTED,
    _convert_to_numpy,
    _is_numpy_namespace,
    array_api_compat,
)
from ._solvers import finite_start, finite_step

__all__ = ["NUMPY", "ArrayNamespace", "NumpyNamespace", "namespace_of"]


class NumpyNamespace:
    """NumPy on the host: the network's own buffers, blocks and ``out=`` kernels."""

    name = "numpy"
    device = "cpu"
    #: Whether kernels may write into preallocated buffers (``out=``).
    buffers = True

    def __repr__(self) -> str:
        return "NumpyNamespace()"

    def __eq__(self, other) -> bool:
        return isinstance(other, NumpyNamespace)

    def __hash__(self) -> int:
        return hash("numpy")

    def describe(self) -> str:
        return "numpy"

    # -- arrays ------------------------------------------------------------
    def dtype(self, dtype):
        return np.dtype(dtype)

    def host_dtype(self, dtype) -> np.dtype:
        return np.dtype(dtype)

    def from_host(self, a, dtype=None):
        return a if dtype is None else np.asarray(a, dtype=dtype)

    def callback_data(self, validated, given):
        """What callbacks see of ``(X, y)``: the validated arrays."""
        return validated

    def to_host(self, a):
        return a

    def empty_like(self, a):
        return np.empty_like(a)

    def copy(self, a):
        return a.copy()

    def copyto(self, dst, src) -> None:
        np.copyto(dst, src)

    def all_finite(self, a) -> bool:
        return bool(np.isfinite(a).all())

    def finite_step(self, loss, grad) -> bool:
        return finite_step(loss, grad)

    def finite_start(self, loss, grad) -> bool:
        return finite_start(loss, grad)

    def asarray(self, a):
        return np.asarray(a)

    def result_type(self, *dtypes):
        return np.result_type(*dtypes)

    def zeros(self, n: int, dtype):
        return np.zeros(n, dtype)

    def positive_total(self, sw) -> bool:
        return bool(sw.sum() > 0)

    def log(self, proba):
        """``log(proba)``, written over ``proba``; 0 gives -inf silently."""
        with np.errstate(divide="ignore"):
            return np.log(proba, out=proba)

    # -- what computes -----------------------------------------------------
    def network(self, layer_units, activation, loss, dtype):
        from .network import Network

        return Network(layer_units, activation, loss, dtype=dtype)

    def head(self, head):
        """The head that predicts on this namespace's arrays: ``head`` itself."""
        return head

    def training_data(self, X, Y, sample_weight, target):
        from ._data import InMemoryData

        return InMemoryData(X, Y, sample_weight, target=target)

    def decode_labels(self, binarizer, proba, flat: bool):
        from ._target import decode_labels

        return decode_labels(binarizer, proba.ravel() if flat else proba)


NUMPY = NumpyNamespace()


class ArrayNamespace:
    """An array API namespace ``xp`` on ``device``: torch, CuPy, array-api-strict.

    Parameters
    ----------
    xp : module
        The array API namespace (as :func:`sklearn.utils._array_api.get_namespace`
        returns it).
    device : object
        The device of ``X``.
    """

    buffers = False

    def __init__(self, xp, device):
        self.xp, self.device = xp, device
        self.name = xp.__name__

    def __repr__(self) -> str:
        return f"ArrayNamespace({self.name}, device={self.device!r})"

    def __eq__(self, other) -> bool:
        return (
            isinstance(other, ArrayNamespace)
            and other.name == self.name
            and str(other.device) == str(self.device)
        )

    def __hash__(self) -> int:
        return hash((self.name, str(self.device)))

    def describe(self) -> str:
        # array_api_compat's wrapper of torch names itself after its path
        return f"{self.name.rsplit('.', 1)[-1]} on device {self.device}"

    # -- arrays ------------------------------------------------------------
    def dtype(self, dtype):
        """``dtype`` as this namespace spells it (a NumPy dtype or a name maps over)."""
        if isinstance(dtype, str | np.dtype | type):
            return getattr(self.xp, np.dtype(dtype).name)
        return dtype

    def host_dtype(self, dtype) -> np.dtype:
        """The NumPy dtype of this namespace's floating ``dtype``."""
        return np.dtype(np.float32 if dtype == self.xp.float32 else np.float64)

    def from_host(self, a, dtype=None):
        """A host (NumPy) array, or a Python scalar, on this device."""
        if dtype is not None:
            a = np.asarray(a, dtype=self.host_dtype(dtype))
        return self.xp.asarray(a, device=self.device)

    def callback_data(self, validated, given):
        """What callbacks see of ``(X, y)``: the caller's own arrays.

        The validated copies live on the host; a callback that predicts
        (``ScoringMonitor``) must pass the model arrays of its namespace.
        """
        return given

    def to_host(self, a):
        """``a``, an array of this namespace, as a NumPy array on the host."""
        return _convert_to_numpy(a, self.xp)

    def empty_like(self, a):
        return self.xp.empty_like(a)

    def copy(self, a):
        return self.xp.asarray(a, copy=True)

    def copyto(self, dst, src) -> None:
        dst[...] = src

    def all_finite(self, a) -> bool:
        return bool(self.xp.all(self.xp.isfinite(a)))

    def finite_step(self, loss, grad) -> bool:
        """Whether the loss and gradient are finite: the step's one host sync."""
        xp = self.xp
        check = xp.reshape(loss, (1,)) + xp.sum(grad)
        return bool(xp.all(xp.isfinite(check)))

    def finite_start(self, loss, grad) -> bool:
        """As :func:`skffnn._solvers.finite_start`: also the gradient's square."""
        xp = self.xp
        check = xp.reshape(loss, (1,)) + xp.sum(grad * grad)
        return bool(xp.all(xp.isfinite(check)))

    def asarray(self, a):
        return self.xp.asarray(a, device=self.device)

    def result_type(self, *dtypes):
        return self.xp.result_type(*dtypes)

    def zeros(self, n: int, dtype):
        return self.xp.zeros(n, dtype=dtype, device=self.device)

    def positive_total(self, sw) -> bool:
        return bool(self.xp.sum(sw) > 0)

    def log(self, proba):
        return self.xp.log(proba)

    # -- what computes -----------------------------------------------------
    def network(self, layer_units, activation, loss, dtype):
        from ._xp_network import ArrayNetwork

        return ArrayNetwork(layer_units, activation, loss, dtype=dtype, namespace=self)

    def head(self, head):
        """``head``'s predictions (link, probabilities) in this namespace."""
        from ._xp_network import ArrayHead

        return ArrayHead(head, self.xp)

    def training_data(self, X, Y, sample_weight, target):
        """Host-validated, host-encoded arrays, moved once to this device."""
        from ._data import ArrayData

        return ArrayData(self, X, Y, sample_weight, target=target)

    def decode_labels(self, binarizer, proba, flat: bool):
        """Labels decoded on the host (the binarizer's classes live there);
        numeric labels come back to this device."""
        from ._target import decode_labels

        proba = self.to_host(proba)
        labels = decode_labels(binarizer, proba.ravel() if flat else proba)
        if labels.dtype.kind in "biuf":
            return self.asarray(labels)
        return labels


def _array_namespace(a):
    """The namespace and device of one array, whatever the dispatch setting."""
    xp = array_api_compat.array_namespace(a)
    if _is_numpy_namespace(xp):
        return NUMPY
    return ArrayNamespace(xp, array_api_compat.device(a))


def _is_array(a) -> bool:
    """Whether ``a`` is an array of an array API library (torch included)."""
    return array_api_compat.is_array_api_obj(a)


def to_host(a):
    """``a`` as a NumPy array if it is an array of another array API library.

    Anything else (None, NumPy, lists, data frames, sparse matrices) is
    returned as it is, for scikit-learn's validation to convert.
    """
    if a is None or type(a) is np.ndarray or not _is_array(a):
        return a
    ns = _array_namespace(a)
    return a if ns is NUMPY else ns.to_host(a)


def namespace_of(X):
    """The namespace a call computes in, decided from ``X``.

    NumPy unless ``array_api_dispatch`` is on and ``X`` is an array of another
    array API library (torch, CuPy, array-api-strict); lists, data frames,
    NumPy and sparse input compute in NumPy.
    """
    if type(X) is np.ndarray or not get_config()["array_api_dispatch"]:
        return NUMPY
    if sp.issparse(X) or not _is_array(X):
        return NUMPY
    if not ARRAY_API_SUPPORTED:
        raise ImportError(
            "Computing on arrays of other libraries than NumPy (array API "
            "dispatch) needs scikit-learn >= 1.9; the installed scikit-learn "
            f"is {sklearn.__version__}. Pass a NumPy array, or upgrade "
            "scikit-learn."
        )
    return _array_namespace(X)


def fitted_namespace(array) -> NumpyNamespace | ArrayNamespace:
    """The namespace of a fitted array (``coefs_[0]``), dispatch on or off."""
    if type(array) is np.ndarray or not _is_array(array):
        return NUMPY
    return _array_namespace(array)


def check_same_namespace(estimator, given, fitted, method: str) -> None:
    """Raise, naming ``method`` and both namespaces, when ``given`` (the
    namespace of ``X``) is not ``fitted`` (where the model was fitted)."""
    if given == fitted:
        return
    hint = ""
    if not get_config()["array_api_dispatch"]:
        hint = (
            " (array API dispatch is off: turn it on with "
            "sklearn.set_config(array_api_dispatch=True))"
        )
    raise ValueError(
        f"Inputs passed to {type(estimator).__name__}.{method}() must use the "
        "same namespace and the same device as those passed to fit(): the model "
        f"was fitted in {fitted.describe()}, X is in {given.describe()}{hint}."
    )
