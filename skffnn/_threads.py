"""BLAS thread policy of a fit: the one place that sets BLAS threads.

Measured on a 2-core machine: a (200 x 64) @ (64 x 100) product takes about
0.2 ms on one OpenBLAS thread and from 0.5 ms up to 12 ms on two, when the
second core is busy (two threads spin and wait for each other). A fit's small
products (a minibatch step's) therefore run on one thread; large ones keep
the library's default. The estimator applies this around its solver, once per
fit. Where BLAS runs on several threads (:func:`blas_is_threaded`), the
forward blocks of prediction are large enough that a thread barrier's wait is
small against each product's work (:func:`skffnn._blocks.forward_rows`),
while a few rows make products that OpenBLAS runs on one thread by itself.

On a loaded machine no block size helps: a product split over both cores
waits at its end for the thread whose core another process holds. The
forward pass therefore yields those cores (:func:`yield_to_load`): where
other processes kept cores busy over the last tenth of a second
(:class:`OthersLoad`, from ``/proc/stat``), its products run on the cores
left free, one thread on this 2-core machine with one core busy
(``benchmarks/bench_predict.py --loaded``: every cell at most 0.76 of
scikit-learn's time, whose two threads wait for the busy core). The limit
is process-wide for the duration of the pass (as a fit's is), and lifted
after it; on an idle machine nothing is set.

scipy ships its own OpenBLAS, separate from numpy's. skffnn does no heavy
linear algebra through scipy, but L-BFGS-B's few vector operations wake that
second pool, whose threads then compete with numpy's for the same cores: during
a fit scipy's pool is held to one thread.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import math
import os
import threading
import time

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


def _hold(libs, threads: int) -> list:
    """Hold each of ``libs`` to at most ``threads``; what :func:`_release` restores."""
    saved = [(c, n) for c in libs if (n := c.num_threads) > threads]
    for c, _ in saved:
        c.set_num_threads(threads)
    return saved


def _release(saved: list) -> None:
    for c, n in saved:
        c.set_num_threads(n)


@contextlib.contextmanager
def blas_threads(largest_gemm: int):
    """Limit BLAS threads for a run whose largest product has ``largest_gemm`` MACs."""
    numpy_libs, scipy_libs = _controllers()
    limited = list(scipy_libs)
    if largest_gemm < SMALL_GEMM:
        limited += numpy_libs
    saved = _hold(limited, 1)
    try:
        yield
    finally:
        _release(saved)


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


# Seconds between two readings of the machine's load: /proc/stat counts in
# hundredths of a second, so that a busy core shows as some 10 ticks.
LOAD_INTERVAL = 0.1
# A core counts as taken by other processes from this share of it on. Not
# 0.5: while this process runs two threads, a process spinning on one core
# gets only half of it or so (measured 0.44-0.95 over 0.1 s intervals); an
# idle machine's daemons take about 0.01.
BUSY_SHARE = 0.3


class OthersLoad:
    """How many cores other processes kept busy, over the last ``LOAD_INTERVAL``.

    The machine's busy time (``/proc/stat``: every CPU's time but idle and
    I/O wait, steal included) less this process's CPU time, over the wall
    time between two readings; read at most every ``LOAD_INTERVAL`` seconds
    (about 8 us) and remembered in between. 0 where ``/proc/stat`` cannot be
    read (not Linux), and at the first call (no interval yet).

    Examples
    --------
    >>> from skffnn._threads import OthersLoad
    >>> load = OthersLoad()
    >>> load() >= 0.0
    True
    """

    def __init__(self, path: str = "/proc/stat") -> None:
        self.path = path
        self._fd = None
        self._last = None
        self._lock = threading.Lock()
        self.cores = 0.0
        self.readable = True

    def _busy_seconds(self) -> float | None:
        try:
            if self._fd is None:
                self._fd = os.open(self.path, os.O_RDONLY)
            first = os.pread(self._fd, 256, 0).split(b"\n", 1)[0].split()
            ticks = [int(v) for v in first[1:9]]  # user nice system idle iowait ...
        except (OSError, ValueError, IndexError):
            self.readable = False
            return None
        return (sum(ticks) - ticks[3] - ticks[4]) / _CLOCK_TICKS

    def __call__(self) -> float:
        now = time.monotonic()
        last = self._last
        if not self.readable or (last is not None and now - last[0] < LOAD_INTERVAL):
            return self.cores
        with self._lock:
            busy = self._busy_seconds()
            if busy is None:
                return 0.0
            own = time.process_time()
            if last is not None:
                wall = now - last[0]
                self.cores = max(0.0, ((busy - last[1]) - (own - last[2])) / wall)
            self._last = (now, busy, own)
        return self.cores


_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
others_load = OthersLoad()


class _Yield:
    """Numpy's BLAS held to ``threads`` while any thread of the process is inside.

    The first thread in saves and sets the limit, the last one out restores
    it, so that threads predicting at once leave the setting as they found it.
    """

    _lock = threading.Lock()
    _inside = 0
    _saved: list = []

    def __init__(self, threads: int) -> None:
        self.threads = threads

    def __enter__(self) -> None:
        with _Yield._lock:
            if _Yield._inside == 0:
                _Yield._saved = _hold(_controllers()[0], self.threads)
            _Yield._inside += 1

    def __exit__(self, *exc) -> None:
        with _Yield._lock:
            _Yield._inside -= 1
            if _Yield._inside == 0:
                _release(_Yield._saved)
                _Yield._saved = []


def _reset_after_fork() -> None:
    """In a forked child: fresh locks and load readings, no limit left held.

    A fork while another thread was inside a pass would leave the child's
    locks taken and its BLAS held to the cores that thread yielded, with no
    thread to lift the limit.
    """
    global others_load
    others_load = OthersLoad()
    _Yield._lock = threading.Lock()
    saved, _Yield._saved, _Yield._inside = _Yield._saved, [], 0
    _release(saved)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_after_fork)


def yield_to_load(largest_gemm: int):
    """A context that runs this pass's products on the cores others leave free.

    Where numpy's BLAS may use several threads, the pass's largest product
    (``largest_gemm`` multiply-adds) is one that BLAS splits (at least
    ``SMALL_GEMM``), and other processes kept more than ``BUSY_SHARE`` of a
    core busy lately (:data:`others_load`), BLAS is held to the cores they
    leave free (at least one) for the ``with`` block. Otherwise nothing is
    set.

    Examples
    --------
    >>> from skffnn._threads import yield_to_load
    >>> with yield_to_load(10):  # a small product: nothing to yield
    ...     pass
    """
    if largest_gemm < SMALL_GEMM or not blas_is_threaded():
        return contextlib.nullcontext()
    taken = math.ceil(others_load() - BUSY_SHARE)  # cores others hold
    if taken <= 0:
        return contextlib.nullcontext()
    return _Yield(max(1, (os.cpu_count() or 1) - taken))
