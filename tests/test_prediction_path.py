"""The prediction path: validation as scikit-learn's, the heads' fast paths, no state.

The fast paths of prediction (validation of a plain float array, the cached
prediction network, the softmax and sigmoid heads, the labels, ``score``)
must be invisible: every input is accepted, converted, warned about or
rejected exactly as ``validate_data`` and scikit-learn's MLP do, with the
same messages; the results are those of the general paths; and nothing new
is stored on the estimator.
"""

import itertools
import pickle
import threading
import warnings
from fractions import Fraction

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import config_context
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils.validation import validate_data

from skffnn import FFNClassifier, FFNRegressor
from skffnn import functional as F
from skffnn._losses import get_head
from skffnn._predict_input import validated_predict_input
from skffnn._target import decode_labels

RNG = np.random.RandomState(0)
X4 = RNG.normal(size=(40, 4))
Y3 = RNG.randint(3, size=40)


def _fit(est, X=X4, y=Y3):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, y)


@pytest.fixture(scope="module")
def pair():
    """(ours, scikit-learn's) classifiers fitted on the same data."""
    return (
        _fit(FFNClassifier((5,), max_iter=20, random_state=0)),
        _fit(MLPClassifier((5,), max_iter=20, random_state=0)),
    )


def _outcome(call):
    """(error type and message or None, warning messages), for comparison."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            call()
            error = None
        except Exception as exc:
            error = (type(exc), str(exc))
    messages = [str(w.message) for w in caught if w.category is not RuntimeWarning]
    return error, messages


def _nan_at(dtype):
    X = X4[:3].astype(dtype)
    X[1, 2] = np.nan
    return X


def _inf_at(dtype, sign=1):
    X = X4[:3].astype(dtype)
    X[0, 0] = sign * np.inf
    return X


BAD_OR_UNUSUAL = {
    "wrong n_features": X4[:3, :3].copy(),
    "too many features": np.hstack([X4[:3], X4[:3]]),
    "nan float64": _nan_at(np.float64),
    "nan float32": _nan_at(np.float32),
    "+inf": _inf_at(np.float64),
    "-inf float32": _inf_at(np.float32, -1),
    "1-D": X4[0].copy(),
    "3-D": X4[:4].reshape(2, 2, 4),
    "0-D": np.float64(1.0),
    "complex": X4[:3].astype(complex),
    "object strings": np.array([["a", "b", "c", "d"]], dtype=object),
    "unicode strings": np.array([["1", "2", "3", "4"]]),
    "bytes": np.array([[b"1", b"2", b"3", b"4"]]),
    "empty rows": np.empty((0, 4)),
    "no features": np.empty((3, 0)),
    "list": X4[:3].tolist(),
    "ragged list": [[1.0, 2.0, 3.0, 4.0], [1.0, 2.0]],
    "None": None,
    "float16": X4[:3].astype(np.float16),
    "int32": (X4[:3] * 10).astype(np.int32),
    "int64": (X4[:3] * 10).astype(np.int64),
    "bool": X4[:3] > 0,
    "object floats": X4[:3].astype(object),
    "F-ordered": np.asfortranarray(X4[:3]),
    "strided view": X4[::2],
    "read-only": np.frombuffer(X4[:3].tobytes()).reshape(3, 4),
    "huge finite (sum overflows)": np.full((3, 4), 1e308),
    "float32 huge finite": np.full((3, 4), 3e38, dtype=np.float32),
    "csr": sp.csr_matrix(X4[:3]),
    "csc": sp.csc_matrix(X4[:3]),
    "coo": sp.coo_matrix(X4[:3]),
    "csr with nan": sp.csr_matrix(_nan_at(np.float64)),
    "csr wrong width": sp.csr_matrix(X4[:3, :3]),
    "matrix": np.asmatrix(X4[:3]),
}


@pytest.mark.parametrize("case", sorted(BAD_OR_UNUSUAL))
@pytest.mark.parametrize("method", ["predict", "predict_proba", "exact_log_proba"])
def test_prediction_validates_x_exactly_as_validate_data(pair, case, method):
    ours, _ = pair
    X = BAD_OR_UNUSUAL[case]
    want = _outcome(
        lambda: validate_data(ours, X, accept_sparse=["csr", "csc"], reset=False)
    )
    assert _outcome(lambda: getattr(ours, method)(X)) == want


@pytest.mark.parametrize("case", sorted(BAD_OR_UNUSUAL))
def test_prediction_accepts_and_rejects_what_sklearns_mlp_does(pair, case):
    ours, theirs = pair
    X = BAD_OR_UNUSUAL[case]
    error, messages = _outcome(lambda: theirs.predict_proba(X))
    if error is not None:
        error = (error[0], error[1].replace("MLPClassifier", "FFNClassifier"))
    messages = [m.replace("MLPClassifier", "FFNClassifier") for m in messages]
    assert _outcome(lambda: ours.predict_proba(X)) == (error, messages)


@pytest.mark.parametrize("case", sorted(BAD_OR_UNUSUAL))
def test_accepted_input_predicts_as_its_validated_array(pair, case):
    ours, _ = pair
    X = BAD_OR_UNUSUAL[case]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            Xv = validate_data(ours, X, accept_sparse=["csr", "csc"], reset=False)
    except (ValueError, TypeError):
        pytest.skip("rejected input (the other tests compare the errors)")
    Xd = Xv.toarray() if sp.issparse(Xv) else np.asarray(Xv)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        np.testing.assert_array_equal(
            ours.predict_proba(X), ours.predict_proba(np.ascontiguousarray(Xd))
        )


def test_non_finite_input_is_accepted_when_sklearn_assumes_finite(pair):
    ours, theirs = pair
    X = _nan_at(np.float64)
    with config_context(assume_finite=True), np.errstate(all="ignore"):
        assert validated_predict_input(ours, X) is X
        got, want = ours.predict_proba(X), theirs.predict_proba(X)
    assert np.isnan(got[1]).all() and np.isnan(want[1]).all()


def test_the_fast_path_returns_a_plain_float_array_itself(pair):
    ours, _ = pair
    for dtype in (np.float64, np.float32):
        X = np.ascontiguousarray(X4[:5], dtype=dtype)
        assert validated_predict_input(ours, X) is X


@pytest.fixture(scope="module")
def named():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(X4, columns=["a", "b", "c", "d"])
    return pd, frame, _fit(FFNClassifier((5,), max_iter=20, random_state=0), frame)


@pytest.mark.parametrize(
    "case", ["ndarray", "same names", "other names", "reordered", "fewer columns"]
)
def test_feature_names_are_checked_as_validate_data_does(named, case):
    _, frame, est = named
    X = {
        "ndarray": X4[:3].copy(),
        "same names": frame[:3],
        "other names": frame[:3].rename(columns={"a": "z"}),
        "reordered": frame[["b", "a", "c", "d"]][:3],
        "fewer columns": frame[["a", "b", "c"]][:3],
    }[case]
    want = _outcome(
        lambda: validate_data(est, X, accept_sparse=["csr", "csc"], reset=False)
    )
    assert _outcome(lambda: est.predict_proba(X)) == want
    if case == "ndarray":  # a warning: the fast path must not skip it
        assert want[1] and "feature names" in want[1][0]


def test_a_frame_is_checked_against_a_model_fitted_without_names(pair, named):
    ours, _ = pair
    _, frame, _ = named
    want = _outcome(
        lambda: validate_data(ours, frame, accept_sparse=["csr", "csc"], reset=False)
    )
    assert want[1], "expected the 'fitted without feature names' warning"
    assert _outcome(lambda: ours.predict(frame)) == want


# --------------------------------------------------------------------------
# No state: nothing stored, persistence and clones untouched
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "est", [FFNClassifier((5,)), FFNRegressor(hidden_layer_sizes=(5,))]
)
def test_prediction_stores_nothing_on_the_estimator(est):
    est = _fit(clone(est).set_params(max_iter=5, random_state=0))
    before = {k: pickle.dumps(v) for k, v in vars(est).items()}
    blob = pickle.dumps(est)
    est.predict(X4)
    est.score(X4, Y3)
    if hasattr(est, "predict_proba"):
        est.predict_proba(X4[:1])
        est.exact_log_proba(X4.astype(np.float32))
    assert {k: pickle.dumps(v) for k, v in vars(est).items()} == before
    assert pickle.dumps(est) == blob


def test_a_refit_with_another_architecture_predicts_with_the_new_one():
    est = _fit(FFNClassifier((5,), max_iter=5, random_state=0))
    est.predict(X4)
    est.set_params(hidden_layer_sizes=(3, 7), activation="tanh")
    _fit(est)
    fresh = _fit(FFNClassifier((3, 7), activation="tanh", max_iter=5, random_state=0))
    np.testing.assert_array_equal(est.predict_proba(X4), fresh.predict_proba(X4))


def test_weights_changed_in_place_are_what_the_next_prediction_uses():
    est = _fit(FFNRegressor(hidden_layer_sizes=(5,), max_iter=5, random_state=0))
    before = est.predict(X4)
    est.intercepts_[-1][...] += 1.0
    np.testing.assert_allclose(est.predict(X4), before + 1.0, rtol=1e-12)


def test_threads_predicting_with_one_model_get_the_sequential_results(pair):
    ours, _ = pair
    X = np.random.RandomState(1).normal(size=(3000, 4))
    want = [ours.predict_proba(X[i::4]) for i in range(4)]
    got = [None] * 4

    def work(i):
        for _ in range(5):
            got[i] = ours.predict_proba(X[i::4])

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)


# --------------------------------------------------------------------------
# Heads and labels: the fast paths give the general paths' results
# --------------------------------------------------------------------------


def test_binary_link_is_functional_sigmoid_bit_for_bit():
    z = np.array([[0.0], [-0.0], [1e-300], [-745.0], [-800.0], [40.0], [710.0],
                  [np.inf], [-np.inf], [np.nan], [-3.5]])  # fmt: skip
    head = get_head("binary_log_loss")
    np.testing.assert_array_equal(head.link(z), F.sigmoid(z))
    big = np.random.RandomState(0).normal(scale=30, size=(50_000, 1))
    np.testing.assert_array_equal(head.link(big), F.sigmoid(big))


def test_softmax_proba_is_sklearns_formula_and_exact_softmax_where_not_finite():
    head = get_head("log_loss")
    rng = np.random.RandomState(0)
    z = rng.normal(scale=5, size=(200, 6))
    z[0] = [1000.0, 1000.0, -np.inf, 0.0, -1e300, 3.0]
    p = head.proba(z)
    np.testing.assert_allclose(p, F.softmax(z, axis=1), rtol=1e-13, atol=1e-300)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-15)
    bad = np.array(
        [[np.inf, 0, np.inf, 1, 2, 3], [np.nan, 1, 2, 3, 4, 5], [-np.inf] * 6]
    )
    both = np.vstack([z[:2], bad])
    with np.errstate(invalid="ignore"):
        np.testing.assert_array_equal(head.proba(both), F.softmax(both, axis=1))


@pytest.mark.parametrize("y_type", ["binary", "one class", "multiclass", "multilabel",
                                    "strings", "float32"])  # fmt: skip
def test_labels_from_probabilities_are_inverse_transforms(y_type):
    rng = np.random.RandomState(0)
    y = {
        "binary": rng.randint(2, size=30) * 5 + 1,
        "one class": np.full(30, 7),
        "multiclass": rng.randint(4, size=30),
        "multilabel": rng.randint(2, size=(30, 3)),
        "strings": np.array(["cat", "dog", "eel"])[rng.randint(3, size=30)],
        "float32": rng.randint(3, size=30),
    }[y_type]
    lb = LabelBinarizer().fit(y)
    k = 1 if lb.y_type_ == "binary" else len(lb.classes_)
    proba = rng.uniform(size=(30, k))
    proba[:5] = 0.5  # ties and the threshold itself
    if y_type == "float32":
        proba = proba.astype(np.float32)
    if k == 1:
        proba = proba.ravel()
    got, want = decode_labels(lb, proba), lb.inverse_transform(proba)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize(
    "case", ["ints", "strings", "weights", "list", "unseen label", "float labels"]
)
def test_score_is_accuracy_score_of_predict(case):
    y = {"strings": np.array(["a", "b", "c"])[Y3]}.get(case, Y3)
    est = _fit(FFNClassifier((5,), max_iter=20, random_state=0), X4, y)
    y_true = {
        "list": lambda: list(y),
        "unseen label": lambda: np.where(np.arange(40) == 3, 9, y),
        "float labels": lambda: y.astype(float),
    }.get(case, lambda: y)()
    sw = np.linspace(0.5, 2, 40) if case == "weights" else None
    got = est.score(X4, y_true, sample_weight=sw)
    assert type(got) is float
    assert got == accuracy_score(y_true, est.predict(X4), sample_weight=sw)


def test_score_rejects_what_accuracy_score_rejects(pair):
    ours, _ = pair
    for y in (Y3[:10], np.array(["a"] * 40), np.full(40, 0.5)):
        want = _outcome(lambda y=y: accuracy_score(y, ours.predict(X4)))
        # (scikit-learn 1.9 rejects each; older ones accept some: then so do we)
        old_sklearn = tuple(int(p) for p in sklearn.__version__.split(".")[:2]) < (1, 9)
        assert want[0] is not None or old_sklearn
        assert _outcome(lambda y=y: ours.score(X4, y)) == want


def test_regressor_prediction_is_sklearns_given_the_same_weights():
    y = X4 @ np.arange(4.0)
    theirs = _fit(
        MLPRegressor(hidden_layer_sizes=(6,), max_iter=50, random_state=0), X4, y
    )
    ours = _fit(FFNRegressor(hidden_layer_sizes=(6,), max_iter=1), X4, y)
    ours.coefs_ = [c.copy() for c in theirs.coefs_]
    ours.intercepts_ = [b.copy() for b in theirs.intercepts_]
    for n in (1, 10, 5000):
        Xq = np.random.RandomState(n).normal(size=(n, 4))
        np.testing.assert_allclose(ours.predict(Xq), theirs.predict(Xq), rtol=1e-12)


@pytest.mark.parametrize(
    "units", [[64, 100, 10], [100, 256, 256, 10], [7, 300, 40, 5], [784, 512, 10]]
)
@pytest.mark.parametrize("itemsize", [4, 8])
def test_forward_blocks_are_equal_and_large_enough_that_products_dwarf_a_barrier(
    units, itemsize, monkeypatch
):
    import skffnn._blocks as B

    monkeypatch.setattr(B, "blas_is_threaded", lambda: True)
    cache_rows = B.block_rows(units, itemsize)
    product = max(a * b for a, b in itertools.pairwise(units))
    widest = max(units[1:]) * itemsize
    for n in (1, cache_rows, cache_rows + 1, 10**5 + 3, 10**6):
        rows = B.forward_rows(units, itemsize, n_rows=n)
        blocks = -(-n // rows)
        if n <= cache_rows:
            assert rows == n  # one block
            continue
        # Blocks of equal size: the last one is no small remainder.
        assert n - rows * (blocks - 1) > rows - blocks
        # Never below the cache-sized block, nor above the largest one.
        assert rows >= min(cache_rows, n / blocks)
        assert rows * widest <= max(B.MAX_FORWARD_BYTES, cache_rows * widest)
        # Each product has MIN_PRODUCT multiply-adds, unless the block is as
        # large as allowed (or holds every row); equalising may take off < 1/blocks.
        full = rows * blocks / (blocks - 1) if blocks > 1 else n
        assert (
            full * product >= B.MIN_PRODUCT
            or (full + 1) * widest > B.MAX_FORWARD_BYTES
            or full >= n
        )


@pytest.mark.parametrize("units", [[64, 100, 10], [100, 256, 256, 10]])
@pytest.mark.parametrize("itemsize", [4, 8])
def test_forward_blocks_on_one_blas_thread_are_cache_sized(units, itemsize):
    # No thread barrier to amortise: the activations stay in cache.
    from threadpoolctl import threadpool_limits

    import skffnn._blocks as B

    cache_rows = B.block_rows(units, itemsize)
    with threadpool_limits(1, user_api="blas"):
        assert not B.blas_is_threaded()
        for n in (cache_rows - 1, 10 * cache_rows, 10**6):
            rows = B.forward_rows(units, itemsize, n_rows=n)
            # As many blocks as of cache_rows rows (made equal).
            assert rows <= cache_rows
            assert -(-n // rows) == -(-n // cache_rows)
    with threadpool_limits(2, user_api="blas"):
        assert B.blas_is_threaded()
        assert B.forward_rows(units, itemsize, n_rows=10**6) > cache_rows


def test_forward_blocks_do_not_depend_on_the_load_of_the_machine(monkeypatch):
    # A load average lags by a minute and says nothing of whether our own
    # threads will wait: the blocks are right on an idle and a busy machine.
    import os

    from skffnn._blocks import forward_rows

    def rows_at(load):
        monkeypatch.setattr(os, "getloadavg", lambda: (load, load, load))
        units = [[64, 100, 10], [100, 256, 256, 10]]
        return [forward_rows(u, i, 10**5) for u in units for i in (4, 8)]

    assert rows_at(0.0) == rows_at(100.0)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_rows_prediction_does_not_depend_on_the_batch_it_is_in(dtype, threads):
    # scikit-learn's check_methods_subset_invariance and
    # check_methods_sample_order_invariance, on a batch of several forward
    # blocks: alone, in a subset or reversed, each row gets the same labels
    # and the same probabilities to a few roundings (BLAS may round a row's
    # products differently in another block shape).
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(0)
    X = rng.standard_normal((300, 20)).astype(dtype)
    y = rng.integers(0, 4, 300)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = FFNClassifier((300,), max_iter=5, random_state=0).fit(X, y)
    with threadpool_limits(threads, user_api="blas"):
        _check_rows_alone_in_subsets_and_reversed(clf, rng, dtype)


def _check_rows_alone_in_subsets_and_reversed(clf, rng, dtype):
    from skffnn._blocks import forward_rows

    n = 3 * forward_rows([20, 300, 4], np.dtype(dtype).itemsize, 10**6) + 17
    Xb = rng.standard_normal((n, 20)).astype(dtype)
    idx = np.r_[0, 1, n // 3 - 1, n // 3, n - 1, rng.integers(0, n, 20)]
    rtol = 50 * np.finfo(dtype).eps
    for method in ("predict", "predict_proba", "exact_log_proba"):
        whole = getattr(clf, method)(Xb)
        alone = np.concatenate([getattr(clf, method)(Xb[i : i + 1]) for i in idx])
        subset = getattr(clf, method)(Xb[idx])
        reverse = getattr(clf, method)(Xb[::-1])[::-1]
        if method == "predict":
            np.testing.assert_array_equal(alone, whole[idx])
            np.testing.assert_array_equal(subset, whole[idx])
            np.testing.assert_array_equal(reverse, whole)
        else:
            atol = rtol if method == "predict_proba" else 0.0
            np.testing.assert_allclose(alone, whole[idx], rtol=rtol, atol=atol)
            np.testing.assert_allclose(subset, whole[idx], rtol=rtol, atol=atol)
            np.testing.assert_allclose(reverse, whole, rtol=rtol, atol=atol)


# --------------------------------------------------------------------------
# Kept scratch memory, the heads writing over the scores, exact column sums
# --------------------------------------------------------------------------


def test_scratch_memory_is_kept_per_thread_and_fresh_when_nested_or_small():
    from skffnn import _blocks as B

    big = [B._SMALL_SCRATCH_BYTES // 4] * 2  # 2 x 128 KiB of float64
    with B.scratch(big, np.float64) as (a, b):
        assert not np.shares_memory(a, b)
        assert a.shape == (big[0],) and a.dtype == np.float64
        assert a.ctypes.data % 64 == 0 and b.ctypes.data % 64 == 0
        with B.scratch(big, np.float64) as (inner, _):  # nested: fresh memory
            assert not np.shares_memory(inner, a) and not np.shares_memory(inner, b)
        first = a.ctypes.data
    with B.scratch([2 * big[0]], np.float32) as (a32,):  # the next call reuses it
        assert a32.ctypes.data == first
    with B.scratch([10, 10], np.float64) as (tiny, _):  # small: the heap's
        assert tiny.ctypes.data != first
    too_big = [B.KEPT_SCRATCH_BYTES // 8 + 1]
    with B.scratch(too_big, np.float64) as (huge,):
        assert huge.size == too_big[0]
    with B.scratch(big, np.float64) as (again, _):  # the large one was not kept
        assert again.ctypes.data == first
    seen = []

    def other_thread():
        with B.scratch(big, np.float64) as (c, _):
            seen.append(c.ctypes.data)

    with B.scratch(big, np.float64) as (mine, _):
        t = threading.Thread(target=other_thread)
        t.start()
        t.join()
        assert seen and seen[0] != mine.ctypes.data


@pytest.mark.parametrize("name, k", [("log_loss", 5), ("binary_log_loss", 3)])
@pytest.mark.parametrize("method", ["proba", "exact_log_proba"])
def test_heads_writing_over_the_scores_give_the_fresh_result(name, k, method):
    head = get_head(name)
    rng = np.random.RandomState(k)
    for n in (1, 3, 40, 7000):
        z = rng.normal(scale=30.0, size=(n, k))
        z[::5, 0] = np.inf  # rows the exact path defines, read before written
        z[1::5] = -np.inf
        z[2::5, 1] = np.nan
        with np.errstate(all="ignore"):
            want = getattr(head, method)(z.copy())
            scores = z.copy()
            got = getattr(head, method)(scores, overwrite=True)
        np.testing.assert_array_equal(got, want)
        kept = z.copy()
        with np.errstate(all="ignore"):
            getattr(head, method)(kept)
        np.testing.assert_array_equal(kept, z)  # no overwrite: z untouched


def test_classifier_methods_return_new_arrays_that_share_nothing():
    clf = _fit(FFNClassifier((8,), max_iter=30, random_state=0))
    for method in ("predict_proba", "exact_log_proba", "predict_log_proba"):
        a, b = getattr(clf, method)(X4), getattr(clf, method)(X4)
        assert not np.shares_memory(a, b)
        np.testing.assert_array_equal(a, b)


@settings(max_examples=60, deadline=None)
@given(
    k=st.integers(1, 40),
    n=st.integers(1, 30),
    spread=st.floats(0.0, 700.0),
    seed=st.integers(0, 2**31 - 1),
)
def test_exact_column_sums_are_fsum_to_one_rounding(k, n, spread, seed):
    rng = np.random.default_rng(seed)
    t = np.exp(-rng.uniform(0.0, spread, size=(k, n)))
    t[rng.random((k, n)) < 0.2] = 0.0
    small = t * rng.uniform(-(2.0**-44), 2.0**-44, size=(k, n))
    hi, lo = F._exact_column_sums(t.copy(), small.copy(), np.empty_like(t))
    for j in range(n):
        exact = sum(map(Fraction, [*t[:, j], *small[:, j]]), Fraction(0))
        # hi is the sum to within one rounding, hi + lo to about k**2 eps**2
        assert abs(Fraction(hi[j]) - exact) <= Fraction(np.spacing(float(exact)))
        assert abs(Fraction(hi[j]) + Fraction(lo[j]) - exact) <= exact * 2**-85


# --------------------------------------------------------------------------
# Yielding cores that other processes hold
# --------------------------------------------------------------------------


def _stat_line(busy_ticks: int, idle_ticks: int) -> str:
    # user nice system idle iowait irq softirq steal
    return f"cpu  {busy_ticks} 0 0 {idle_ticks} 0 0 0 0 0 0\ncpu0 1 2 3\n"


def test_others_load_is_the_machines_busy_time_less_this_processs(
    tmp_path, monkeypatch
):
    from skffnn import _threads as T

    stat = tmp_path / "stat"
    stat.write_text(_stat_line(1000, 5000))
    clock = {"wall": 100.0, "own": 3.0}
    monkeypatch.setattr(T.time, "monotonic", lambda: clock["wall"])
    monkeypatch.setattr(T.time, "process_time", lambda: clock["own"])
    load = T.OthersLoad(str(stat))
    assert load() == 0.0  # no interval yet
    # 0.5 s later: the machine was busy 0.8 s (80 ticks), this process 0.3 s.
    ticks = T._CLOCK_TICKS
    stat.write_text(_stat_line(1000 + int(0.8 * ticks), 5000 + 20))
    clock.update(wall=100.5, own=3.3)
    assert load() == pytest.approx((0.8 - 0.3) / 0.5)
    stat.write_text(_stat_line(0, 0))  # within LOAD_INTERVAL: not read again
    clock["wall"] += T.LOAD_INTERVAL / 2
    assert load() == pytest.approx(1.0)
    assert T.OthersLoad(str(tmp_path / "absent"))() == 0.0  # not Linux: no load


@pytest.mark.parametrize("others, threads_inside", [(0.0, 2), (0.2, 2), (0.9, 1)])
def test_a_forward_pass_yields_the_cores_other_processes_hold(
    monkeypatch, others, threads_inside
):
    from threadpoolctl import threadpool_limits

    from skffnn import _threads as T
    from skffnn import network as N

    monkeypatch.setattr(T, "others_load", lambda: others)
    monkeypatch.setattr(T.os, "cpu_count", lambda: 2)
    clf = _fit(FFNClassifier((300,), max_iter=5, random_state=0))
    X = np.random.default_rng(0).standard_normal((10_000, 4))  # 9e6 MACs: split
    seen = []
    blocks = N.Network._forward_blocks

    def spy(self, *args):
        seen.append([c.num_threads for c in T._controllers()[0]])
        return blocks(self, *args)

    monkeypatch.setattr(N.Network, "_forward_blocks", spy)
    with threadpool_limits(2, user_api="blas"):
        want = clf.predict_proba(X)
        assert all(n == threads_inside for n in seen[-1])
        assert all(c.num_threads == 2 for c in T._controllers()[0])  # restored
        seen.clear()
        clf.predict_proba(X[:1])  # a small product: never limited
        assert all(n == 2 for n in seen[-1])
    with threadpool_limits(1, user_api="blas"):
        np.testing.assert_allclose(clf.predict_proba(X), want, rtol=1e-12)


def test_threads_yielding_at_once_leave_the_blas_setting_as_they_found_it(
    monkeypatch,
):
    from threadpoolctl import threadpool_limits

    from skffnn import _threads as T

    monkeypatch.setattr(T, "others_load", lambda: 1.0)
    monkeypatch.setattr(T.os, "cpu_count", lambda: 2)
    clf = _fit(FFNClassifier((300,), max_iter=5, random_state=0))
    X = np.random.default_rng(1).standard_normal((10_000, 4))
    want = clf.predict_proba(X)
    errors = []

    def work():
        try:
            for _ in range(5):
                np.testing.assert_allclose(clf.predict_proba(X), want, rtol=1e-12)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    with threadpool_limits(2, user_api="blas"):
        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors
        assert all(c.num_threads == 2 for c in T._controllers()[0])


def test_a_forked_child_lifts_a_limit_its_parent_held(monkeypatch):
    from threadpoolctl import threadpool_limits

    from skffnn import _threads as T

    with threadpool_limits(2, user_api="blas"):
        monkeypatch.setattr(T.os, "cpu_count", lambda: 2)
        limit = T._Yield(1)
        limit.__enter__()  # another thread inside a pass, at the fork
        assert all(c.num_threads == 1 for c in T._controllers()[0])
        T._Yield._lock.acquire()  # and taking the lock just then
        T._reset_after_fork()  # what the child runs
        assert T._Yield._inside == 0 and not T._Yield._lock.locked()
        assert all(c.num_threads == 2 for c in T._controllers()[0])
        with T._Yield(1):  # usable again
            assert all(c.num_threads == 1 for c in T._controllers()[0])
        assert all(c.num_threads == 2 for c in T._controllers()[0])
