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

import functools

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

__all__ = [
    "NUMPY",
    "ArrayNamespace",
    "NumpyNamespace",
    "check_same_namespace",
    "fit_namespace",
    "fitted_namespace",
    "input_kind",
    "namespace_of",
    "to_host",
]


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

    def float_dtypes(self) -> tuple:
        """The dtypes a first fit keeps ``X`` in (others are cast to the first)."""
        return (np.float64, np.float32)

    def host_rows(self, X):
        """``X`` on the host, for checks that read its length and dtype only."""
        return X

    def from_host(self, a, dtype=None):
        return a if dtype is None else np.asarray(a, dtype=dtype)

    def callback_data(self, validated, given):
        """What callbacks see of ``(X, y)``: the validated arrays."""
        return validated

    def to_host(self, a):
        return a

    def empty_like(self, a):
        return np.empty_like(a)

    def full_like(self, a, value):
        return np.full_like(a, value)

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

    @functools.cached_property
    def has_float64(self) -> bool:
        """Whether this device holds float64 (torch's MPS does not)."""
        info = getattr(self.xp, "__array_namespace_info__", None)
        if info is None:
            return True
        return "float64" in info().dtypes(kind="real floating", device=self.device)

    def float_dtypes(self) -> tuple:
        """The dtypes a first fit keeps ``X`` in: float64 and float32, or
        float32 alone on a device without float64 (integers become float32)."""
        xp = self.xp
        return (xp.float64, xp.float32) if self.has_float64 else (xp.float32,)

    def host_rows(self, X):
        """A zero-width host array of ``X``'s length and dtype: what the host
        checks of ``y`` and ``sample_weight`` read of ``X``, without copying it."""
        return np.empty((X.shape[0], 0), self.host_dtype(X.dtype))

    def from_host(self, a, dtype=None):
        """A host (NumPy) array, or a Python scalar, on this device."""
        if dtype is not None:
            a = np.asarray(a, dtype=self.host_dtype(dtype))
        return self.asarray(a)

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

    def full_like(self, a, value):
        return self.xp.full_like(a, value)

    def cast(self, a, dtype):
        """``a`` (an array or a list of arrays) in ``dtype``, copied only if
        it is in another one: torch multiplies float32 by float64 nowhere."""
        if isinstance(a, list):
            return [self.cast(x, dtype) for x in a]
        return a if a.dtype == dtype else self.xp.astype(a, dtype)

    def copy(self, a):
        return self.xp.asarray(a, copy=True)

    def copyto(self, dst, src) -> None:
        dst[...] = src

    def all_finite(self, a) -> bool:
        return bool(self.xp.all(self.xp.isfinite(a)))

    def finite_step(self, loss, grad) -> bool:
        """Whether the loss and gradient are finite: the step's one host sync.

        The loss is a 0-d array: one sum, one ``isfinite``, one copy of a
        boolean to the host.
        """
        xp = self.xp
        return bool(xp.isfinite(loss + xp.sum(grad)))

    def finite_start(self, loss, grad) -> bool:
        """As :func:`skffnn._solvers.finite_start`: also the gradient's square."""
        xp = self.xp
        return bool(xp.isfinite(loss + xp.sum(grad * grad)))

    def asarray(self, a):
        """``a`` on this device; a float64 host array becomes float32 on a
        device without float64, as scikit-learn's ``move_to`` does."""
        if type(a) is np.ndarray and a.dtype == np.float64 and not self.has_float64:
            a = a.astype(np.float32)
        return self.xp.asarray(a, device=self.device)

    def result_type(self, *dtypes):
        return self.xp.result_type(*dtypes)

    def zeros(self, n: int, dtype):
        return self.xp.zeros(n, dtype=dtype, device=self.device)

    def positive_total(self, sw) -> bool:
        """True: :class:`~skffnn._data.ArrayData`, whose batches are the only
        ones of this namespace, leaves out the batches of zero total weight
        when it draws the epoch, on the host copy of the weights; a sum here
        would synchronise the device with the host in every step."""
        return True

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


def _is_dask(a) -> bool:
    return callable(getattr(a, "__dask_graph__", None))


def input_kind(a) -> str:
    """How an error names the kind of input ``a`` (X, y or sample_weight)."""
    if sp.issparse(a):
        return "a scipy sparse matrix"
    if _is_dask(a):
        return "a dask array"
    if _is_array(a) and type(a) is not np.ndarray:
        ns = _array_namespace(a)
        if ns is not NUMPY:
            return f"a {ns.describe()} array"
    return "a NumPy array"


def fit_namespace(estimator, X, y, sample_weight, method: str):
    """The namespace a fit computes in: :func:`namespace_of` ``X``.

    ``y`` and ``sample_weight`` follow ``X`` (scikit-learn's rule), with one
    exception under array API dispatch: sparse ``X`` computes in NumPy only,
    so ``y`` or ``sample_weight`` from another namespace would give a NumPy
    model where the caller's arrays ask for their device; that raises.
    """
    ns = namespace_of(X)
    if ns is not NUMPY or not sp.issparse(X):
        return ns
    if not get_config()["array_api_dispatch"]:
        return ns
    for name, a in (("y", y), ("sample_weight", sample_weight)):
        if a is None or sp.issparse(a) or not _is_array(a) or type(a) is np.ndarray:
            continue
        other = _array_namespace(a)
        if other is NUMPY:
            continue
        raise TypeError(
            f"{type(estimator).__name__}.{method}() got X as a scipy sparse "
            f"matrix and {name} as {input_kind(a)}, with array API dispatch on. "
            "Sparse X computes in NumPy only, so the model would be a NumPy "
            f"model, not one in the namespace of {name}. Pass {name} as a NumPy "
            f"array to fit in NumPy on the sparse X, or pass X dense in the "
            f"namespace and on the device of {name} (e.g. "
            "torch.asarray(X.toarray(), device=...)) to fit there."
        )
    return ns


def fitted_namespace(array) -> NumpyNamespace | ArrayNamespace:
    """The namespace of a fitted array (``coefs_[0]``), dispatch on or off."""
    if type(array) is np.ndarray or not _is_array(array):
        return NUMPY
    return _array_namespace(array)


def check_same_namespace(estimator, given, fitted, method: str, X=None) -> None:
    """Raise, naming ``method`` and both namespaces, when ``given`` (the
    namespace of ``X``) is not ``fitted`` (where the model was fitted).

    ``X``, when passed, names the input's kind: sparse matrices and dask
    arrays compute in NumPy only, whatever the dispatch setting.
    """
    if given == fitted:
        return
    where = f"X is in {given.describe()}"
    if X is not None and (sp.issparse(X) or _is_dask(X)):
        where = (
            f"X is {input_kind(X)}, which computes in NumPy only. Pass X dense "
            f"in the model's namespace, or {method} with a NumPy copy of the "
            "model (skffnn.utils.to_numpy(model))"
        )
    elif not get_config()["array_api_dispatch"]:
        where += (
            " (array API dispatch is off: turn it on with "
            "sklearn.set_config(array_api_dispatch=True))"
        )
    raise ValueError(
        f"Inputs passed to {type(estimator).__name__}.{method}() must use the "
        "same namespace and the same device as those passed to fit(): the model "
        f"was fitted in {fitted.describe()}, {where}."
    )
