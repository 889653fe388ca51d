"""BLAS thread policy of a fit: the one place that sets BLAS threads.

Measured on a 2-core machine: a (200 x 64) @ (64 x 100) product takes about
0.2 ms on one OpenBLAS thread and from 0.5 ms up to 12 ms on two, when the
second core is busy (two threads spin and wait for each other). A fit's small
products (a minibatch step's) therefore run on one thread; large ones keep
the library's default. The estimator applies this around its solver, once per
fit; nothing else sets threads. Prediction sets none: it changes nothing
process-wide (other threads of the program keep their BLAS threads). Where
BLAS runs on several threads (:func:`blas_is_threaded`), its forward blocks
are instead large enough that a thread barrier's wait is small against each
product's work (:func:`skffnn._blocks.forward_rows`), while a few rows make
products that OpenBLAS runs on one thread by itself.

scipy ships its own OpenBLAS, separate from numpy's. skffnn does no heavy
linear algebra through scipy, but L-BFGS-B's few vector operations wake that
second pool, whose threads then compete with numpy's for the same cores: during
a fit scipy's pool is held to one thread.
"""

from __future__ import annotations

import contextlib
import functools
import itertools

# Products with fewer multiply-adds than this run on one BLAS thread.
SMALL_GEMM = 1 << 22


@functools.cache
def _controllers():
    """(numpy's BLAS pools, scipy's BLAS pools) as threadpoolctl controllers."""
    try:
        import numpy  # noqa: F401
        import scipy.optimize  # noqa: F401  (loads scipy's OpenBLAS)
        from threadpoolctl import ThreadpoolController
    except ImportError:  # threadpoolctl comes with scikit-learn, but be safe
        return (), ()
    libs = [c for c in ThreadpoolController().lib_controllers if c.user_api == "blas"]
    scipy_libs = [c for c in libs if "scipy.libs" in c.filepath]
    numpy_libs = [c for c in libs if c not in scipy_libs]
    return tuple(numpy_libs), tuple(scipy_libs)


@contextlib.contextmanager
def blas_threads(largest_gemm: int):
    """Limit BLAS threads for a run whose largest product has ``largest_gemm`` MACs."""
    numpy_libs, scipy_libs = _controllers()
    limited = list(scipy_libs)
    if largest_gemm < SMALL_GEMM:
        limited += numpy_libs
    saved = [(c, c.num_threads) for c in limited]
    try:
        for c, n in saved:
            if n > 1:
                c.set_num_threads(1)
        yield
    finally:
        for c, n in saved:
            if n > 1:
                c.set_num_threads(n)


def largest_gemm(batch_rows: int, layer_units) -> int:
    """Multiply-adds of the largest matrix product of one training step."""
    return max(
        batch_rows * n_in * n_out for n_in, n_out in itertools.pairwise(layer_units)
    )


def blas_is_threaded() -> bool:
    """Whether numpy's BLAS may now run a product on several threads.

    Reads the thread setting of this process (as threadpoolctl or
    ``OPENBLAS_NUM_THREADS`` left it), changes nothing; about 1 us.

    Examples
    --------
    >>> from skffnn._threads import blas_is_threaded
    >>> from threadpoolctl import threadpool_limits
    >>> with threadpool_limits(1):
    ...     blas_is_threaded()
    False
    """
    return any(c.num_threads > 1 for c in _controllers()[0])
