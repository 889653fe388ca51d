"""Tests for ``skffnn.functional``.

The reference for every value is mpmath at 50 significant digits, rounded
correctly to the output dtype; errors are counted in units in the last place
(ULP) as the distance between the two floats' positions on the number line.
Targets: float64 within 2 ULP, float32 within 1 ULP, no warning for any
finite input, special values exact.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import warnings
from pathlib import Path

import mpmath
import numpy as np
import pytest
import scipy.special
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from skffnn import functional as F

mpmath.mp.dps = 50
MP = mpmath.mpf

# --------------------------------------------------------------------------
# The oracle: mpmath, correctly rounded, and a distance in ULP
# --------------------------------------------------------------------------

# (significand bits, minimum normal exponent, maximum exponent)
_FORMATS = {np.float64: (53, -1022, 1023), np.float32: (24, -126, 127)}


def round_to(value: mpmath.mpf, dtype: type) -> float:
    """``value`` rounded to nearest in ``dtype`` (subnormals included)."""
    if mpmath.isnan(value):
        return np.nan
    if mpmath.isinf(value) or value == 0:
        return float(value)
    bits, emin, emax = _FORMATS[dtype]
    _, exponent = mpmath.frexp(value)
    quantum = max(exponent - 1, emin) - (bits - 1)  # log2 of the ULP there
    rounded = mpmath.ldexp(mpmath.nint(mpmath.ldexp(value, -quantum)), quantum)
    if abs(rounded) >= mpmath.ldexp(1, emax + 1):
        return float(mpmath.sign(value)) * np.inf
    return float(rounded)  # exactly representable, so converted exactly


def _ordinal(a: np.ndarray) -> np.ndarray:
    """Map floats to integers that count representable values (monotonic)."""
    a = np.asarray(a)
    int_type = {4: np.int32, 8: np.int64}[a.dtype.itemsize]
    i = a.view(int_type).astype(np.int64)
    return np.where(i < 0, np.iinfo(int_type).min - i, i)


def ulp_distance(got: np.ndarray, want: np.ndarray) -> np.ndarray:
    """How many representable floats lie between ``got`` and ``want`` (+0 == -0)."""
    got = np.asarray(got)
    want = np.asarray(want, dtype=got.dtype)
    distance = np.abs(_ordinal(got) - _ordinal(want)).astype(float)
    distance[(got == 0) & (want == 0)] = 0
    both_nan = np.isnan(got) & np.isnan(want)
    distance[both_nan] = 0
    distance[np.isnan(got) ^ np.isnan(want)] = np.inf
    return distance


def oracle(f_mp, x: np.ndarray, dtype: type) -> np.ndarray:
    return np.array([round_to(f_mp(MP(float(v))), dtype) for v in x], dtype=dtype)


# Reference definitions, written independently of the implementation.
def _mp_sigmoid(t):
    return 1 / (1 + mpmath.exp(-t))


def _mp_softplus(t):
    return mpmath.log1p(mpmath.exp(t)) if t < 0 else t + mpmath.log1p(mpmath.exp(-t))


MP_REFERENCE = {
    "identity": lambda t: t,
    "sigmoid": _mp_sigmoid,
    "log_sigmoid": lambda t: -_mp_softplus(-t),
    "softplus": _mp_softplus,
    "tanh": mpmath.tanh,
    "relu": lambda t: max(t, MP(0)),
    # Derivatives as closed forms; test_closed_form_derivatives_match_mpmath_diff
    # checks these closed forms against mpmath's numerical differentiation.
    "identity_grad": lambda t: MP(1),
    "sigmoid_grad": lambda t: _mp_sigmoid(t) * _mp_sigmoid(-t),
    "tanh_grad": lambda t: mpmath.sech(t) ** 2,
    "relu_grad": lambda t: MP(1) if t > 0 else MP(0),
    "softplus_grad": _mp_sigmoid,
}
ELEMENTWISE = ["identity", "sigmoid", "log_sigmoid", "softplus", "tanh", "relu"]
GRADIENTS = [f"{name}_grad" for name in ("identity", "sigmoid", "tanh", "relu")]
GRADIENTS.append("softplus_grad")
FROM_OUTPUT = [f"{name}_grad_from_output" for name in ("identity", "sigmoid")]
FROM_OUTPUT += [f"{name}_grad_from_output" for name in ("tanh", "relu", "softplus")]
ALL_ELEMENTWISE = ELEMENTWISE + GRADIENTS + FROM_OUTPUT


def _grid(dtype: type) -> np.ndarray:
    """Log-spaced over the whole finite range (both signs) plus a dense middle."""
    info = np.finfo(dtype)
    rng = np.random.default_rng(20240601)
    with np.errstate(over="ignore"):  # geomspace's power overshoots at the end
        magnitudes = np.geomspace(float(info.smallest_subnormal), float(info.max), 1500)
    limit = 800.0 if dtype is np.float64 else 120.0
    dense = np.linspace(-limit, limit, 4001)
    middle = rng.uniform(-40.0, 40.0, 1500)
    values = np.concatenate([magnitudes, -magnitudes, [0.0], dense, middle])
    with np.errstate(over="ignore"):  # float32: values beyond its range -> inf
        values = values.astype(dtype)
    return np.unique(values[np.isfinite(values)])


@functools.cache
def grid(dtype: type) -> np.ndarray:
    return _grid(dtype)


@functools.cache
def reference_on_grid(name: str, dtype: type) -> np.ndarray:
    return oracle(MP_REFERENCE[name], grid(dtype), dtype)


# --------------------------------------------------------------------------
# Accuracy of the elementwise functions
# --------------------------------------------------------------------------


@pytest.mark.parametrize("dtype, max_ulp", [(np.float64, 2), (np.float32, 1)])
@pytest.mark.parametrize("name", ELEMENTWISE + GRADIENTS)
def test_within_2_ulp_float64_1_ulp_float32_of_mpmath_keeping_the_dtype(
    name, dtype, max_ulp
):
    x = grid(dtype)
    got = getattr(F, name)(x)
    assert got.dtype == dtype
    distance = ulp_distance(got, reference_on_grid(name, dtype))
    worst = np.argmax(distance)
    assert distance.max() <= max_ulp, (x[worst], got[worst])


def _outputs(name: str, dtype: type) -> np.ndarray:
    """Plausible activation outputs ``y`` for the ``*_grad_from_output`` tests."""
    rng = np.random.default_rng(7)
    unit = np.concatenate([rng.uniform(0, 1, 1500), np.geomspace(1e-300, 1, 300)])
    if name.startswith("tanh"):
        y = np.concatenate([unit, -unit, 1 - np.geomspace(1e-16, 0.5, 200)])
    elif name.startswith("softplus"):
        y = np.concatenate([unit, rng.uniform(0, 800, 500), [0.0, 1e30]])
    else:
        y = np.concatenate([unit, 1 - np.geomspace(1e-16, 0.5, 200), [0.0, 1.0]])
    with np.errstate(under="ignore"):
        return y.astype(dtype)


MP_FROM_OUTPUT = {
    "identity_grad_from_output": lambda y: MP(1),
    "sigmoid_grad_from_output": lambda y: y * (1 - y),
    "tanh_grad_from_output": lambda y: 1 - y * y,
    "relu_grad_from_output": lambda y: MP(1) if y > 0 else MP(0),
    "softplus_grad_from_output": lambda y: -mpmath.expm1(-y),
}


@pytest.mark.parametrize("dtype, max_ulp", [(np.float64, 2), (np.float32, 1)])
@pytest.mark.parametrize("name", FROM_OUTPUT)
def test_grad_from_output_matches_its_formula_in_mpmath(name, dtype, max_ulp):
    y = _outputs(name, dtype)
    got = getattr(F, name)(y)
    assert got.dtype == dtype
    distance = ulp_distance(got, oracle(MP_FROM_OUTPUT[name], y, dtype))
    assert distance.max() <= max_ulp, y[np.argmax(distance)]


@pytest.mark.parametrize(
    "name, x",
    [
        ("sigmoid", -2.5),
        ("sigmoid", 0.3),
        ("sigmoid", 30.0),
        ("tanh", -0.7),
        ("tanh", 4.0),
        ("softplus", -3.0),
        ("softplus", 2.0),
    ],
)
def test_closed_form_derivatives_match_mpmath_diff(name, x):
    numerical = mpmath.diff(MP_REFERENCE[name], MP(x))
    closed_form = MP_REFERENCE[f"{name}_grad"](MP(x))
    assert abs(numerical - closed_form) <= MP(10) ** -40 * abs(closed_form)
    assert (
        ulp_distance(getattr(F, f"{name}_grad")(np.array([x])), [float(numerical)])[0]
        <= 2
    )


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "softplus", "log_sigmoid"])
def test_gradients_agree_with_central_differences(name):
    x = np.linspace(-6, 6, 49)
    h = 1e-6
    f = getattr(F, name)
    numerical = (f(x + h) - f(x - h)) / (2 * h)
    analytic = {
        "sigmoid": F.sigmoid_grad,
        "tanh": F.tanh_grad,
        "softplus": F.softplus_grad,
        "log_sigmoid": lambda t: F.sigmoid(-t),  # d/dx log sigmoid(x)
    }[name](x)
    np.testing.assert_allclose(numerical, analytic, rtol=1e-6, atol=1e-9)


def test_from_output_gradients_agree_with_input_gradients():
    x = np.linspace(-8, 8, 161)
    for name in ("identity", "sigmoid", "tanh", "relu", "softplus"):
        y = getattr(F, name)(x)
        from_output = getattr(F, f"{name}_grad_from_output")(y)
        from_input = getattr(F, f"{name}_grad")(x)
        np.testing.assert_allclose(from_output, from_input, rtol=2e-12, atol=1e-15)


# --------------------------------------------------------------------------
# Row functions: logsumexp, softmax, log_softmax
# --------------------------------------------------------------------------


def _random_rows(dtype: type, n_rows: int, seed: int) -> list[np.ndarray]:
    """Rows with spreads from 1e-3 to 1e300, ties, -inf entries, large offsets,
    mixed magnitudes, and near-equal entries whose logsumexp cancels."""
    rng = np.random.default_rng(seed)
    top = 300 if dtype is np.float64 else 36
    rows = []
    for _ in range(n_rows):
        length = int(rng.integers(1, 10))
        spread = 10.0 ** rng.uniform(-3, top)
        offset = rng.choice([0.0, rng.uniform(-1, 1) * 10.0 ** rng.uniform(0, top)])
        row = offset + spread * rng.uniform(-1, 1, length)
        if length > 1 and rng.random() < 0.3:
            row[rng.integers(length)] = row[rng.integers(length)]  # a tie
        if rng.random() < 0.3:
            row[rng.integers(length)] = -np.inf
        if np.isfinite(row).any():  # all -inf rows are tested separately
            rows.append(row.astype(dtype))
    # Rows whose entries mix magnitudes (each its own scale, up to 1e300).
    for _ in range(n_rows // 5):
        length = int(rng.integers(2, 20))
        scales = 10.0 ** rng.uniform(-3, rng.uniform(-3, top), length)
        row = scales * rng.uniform(-1, 1, length)
        if rng.random() < 0.3:
            row[rng.integers(length)] = -np.inf
        rows.append(row.astype(dtype))
    # Log-probability-like rows: up to 120 near-equal entries whose logsumexp is
    # near 0, so m + log1p(rest) cancels (m ~ -log(n), log1p(rest) ~ log(n)).
    for _ in range(n_rows // 2):
        length = int(rng.integers(2, 120))
        row = 10.0 ** rng.uniform(-3, 0.7) * rng.uniform(-1, 1, length)
        row -= np.log(np.exp(row).sum()) * rng.uniform(0.8, 1.2)
        if rng.random() < 0.3:
            row[rng.integers(length)] = -np.inf
        rows.append(row.astype(dtype))
    rows.append(np.array([0.0, -40.0], dtype))
    rows.append(np.array([1e4, 1e4, 1e4 - 1e-3], dtype))
    return rows


def _mp_row(row: np.ndarray):
    """``(logsumexp, log_softmax, softmax)`` of a row, exactly enough."""
    finite = [MP(float(v)) for v in row if v != -np.inf]
    top = max(finite)
    log_sum = mpmath.log(mpmath.fsum(mpmath.exp(v - top) for v in finite))
    log_p = [
        -mpmath.inf if v == -np.inf else (MP(float(v)) - top) - log_sum for v in row
    ]
    return top + log_sum, log_p, [mpmath.exp(v) for v in log_p]


def _error_vs_max_true_1(got: float, want: float, dtype: type) -> float:
    """Error in ULP of ``max(|want|, 1)``: the row functions' accuracy target."""
    if got == want or (np.isnan(got) and np.isnan(want)):
        return 0.0
    if not (np.isfinite(got) and np.isfinite(want)):
        return np.inf
    return abs(float(got) - want) / float(np.spacing(dtype(max(abs(want), 1.0))))


def row_errors(dtype: type, n_rows: int = 250) -> dict[str, float]:
    """Worst error of each row function over random wide rows, in ULP."""
    worst = {"logsumexp": 0.0, "softmax": 0.0, "log_softmax": 0.0}
    for row in _random_rows(dtype, n_rows, seed=3):
        lse, log_p, p = _mp_row(row)
        got_lse = F.logsumexp(row)
        got_log_p = F.log_softmax(row)
        got_p = F.softmax(row)
        assert got_lse.dtype == got_log_p.dtype == got_p.dtype == dtype
        checks = [("logsumexp", got_lse, lse)]
        checks += [("log_softmax", g, w) for g, w in zip(got_log_p, log_p)]
        checks += [("softmax", g, w) for g, w in zip(got_p, p)]
        for name, got, want in checks:
            error = _error_vs_max_true_1(got, round_to(want, dtype), dtype)
            worst[name] = max(worst[name], error)
    return worst


@pytest.mark.parametrize("dtype, max_ulp", [(np.float64, 2), (np.float32, 1)])
def test_row_functions_within_target_of_mpmath_for_wide_rows(dtype, max_ulp):
    worst = row_errors(dtype)
    assert max(worst.values()) <= max_ulp, worst


def test_logsumexp_keeps_the_tiny_rest_that_sum_then_log_rounds_away():
    x = np.array([0.0, -40.0])
    naive = np.log(np.sum(np.exp(x)))
    assert naive == 0.0
    assert F.logsumexp(x) == np.exp(-40.0)  # log1p(e^-40) == e^-40 in float64
    assert F.log_softmax(x)[0] == -np.exp(-40.0)
    assert F.log_softmax(x)[0] != 0.0


def test_logsumexp_does_not_overflow_where_the_naive_sum_does():
    x = np.array([1000.0, 1000.0])
    with np.errstate(over="ignore"):
        assert np.log(np.sum(np.exp(x))) == np.inf
    assert F.logsumexp(x) == 1000.0 + np.log(2.0)


def test_rows_with_minus_inf_entries_ignore_them():
    x = np.array([[-np.inf, 1.0, 2.0], [3.0, -np.inf, -np.inf]])
    np.testing.assert_allclose(F.logsumexp(x), [np.logaddexp(1, 2), 3.0])
    np.testing.assert_array_equal(F.softmax(x)[:, 0], [0.0, 1.0])
    np.testing.assert_array_equal(F.log_softmax(x)[:, 0], [-np.inf, 0.0])


def test_all_minus_inf_row_has_logsumexp_minus_inf_and_nan_distribution():
    x = np.full((1, 3), -np.inf)
    assert F.logsumexp(x)[0] == -np.inf
    assert np.isnan(F.softmax(x)).all()
    assert np.isnan(F.log_softmax(x)).all()


def test_plus_inf_entries_share_the_softmax_mass_equally():
    x = np.array([np.inf, 1.0, np.inf, -np.inf])
    np.testing.assert_array_equal(F.softmax(x), [0.5, 0.0, 0.5, 0.0])
    np.testing.assert_array_equal(
        F.log_softmax(x), [-np.log(2.0), -np.inf, -np.log(2.0), -np.inf]
    )
    assert F.logsumexp(x) == np.inf


def test_nan_in_a_row_makes_that_row_nan_only():
    x = np.array([[np.nan, 1.0], [0.0, 1.0]])
    for f in (F.logsumexp, F.softmax, F.log_softmax):
        result = f(x)
        assert np.isnan(result[0]).all()
        assert np.isfinite(result[1]).all()


def test_empty_rows_have_logsumexp_minus_inf():
    np.testing.assert_array_equal(F.logsumexp(np.zeros((2, 0))), [-np.inf, -np.inf])
    assert F.softmax(np.zeros((2, 0))).shape == (2, 0)


@pytest.mark.parametrize("axis", [0, 1, -1, 2, None])
def test_row_functions_reduce_along_the_requested_axis(axis):
    x = np.random.default_rng(0).normal(size=(3, 4, 5)) * 30
    for f, reduces in ((F.logsumexp, True), (F.softmax, False), (F.log_softmax, False)):
        got = f(x, axis=axis)
        want = (
            scipy.special.logsumexp(x, axis=axis)
            if reduces
            else getattr(scipy.special, f.__name__)(x, axis=axis)
        )
        assert got.shape == np.shape(want)
        np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-15)


def test_row_functions_reject_an_axis_out_of_range():
    with pytest.raises(np.exceptions.AxisError):
        F.softmax(np.zeros((2, 3)), axis=2)


@settings(deadline=None, max_examples=60)
@given(
    hnp.arrays(
        np.float64,
        hnp.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=6),
        elements=st.floats(-1e300, 1e300),
    )
)
def test_softmax_is_a_distribution_and_consistent_with_log_softmax(x):
    p = F.softmax(x)
    assert np.all((p >= 0) & (p <= 1))
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=1e-14)
    log_p = F.log_softmax(x)
    assert np.all(log_p <= 0)
    big = p > 1e-300
    np.testing.assert_allclose(np.exp(log_p[big]), p[big], rtol=1e-13)
    np.testing.assert_array_equal(F.logsumexp(x) >= x.max(axis=-1), True)


@settings(deadline=None, max_examples=60)
@given(
    hnp.arrays(np.float64, st.integers(1, 8), elements=st.floats(-1e3, 1e3)),
    st.floats(-1e3, 1e3),
)
def test_shifting_a_row_shifts_logsumexp_and_leaves_softmax_alone(x, c):
    np.testing.assert_allclose(F.logsumexp(x + c), F.logsumexp(x) + c, atol=1e-11)
    np.testing.assert_allclose(F.softmax(x + c), F.softmax(x), atol=1e-12)


# --------------------------------------------------------------------------
# Special values, warnings, dtypes, out=
# --------------------------------------------------------------------------

INF, NAN = np.inf, np.nan


@pytest.mark.parametrize(
    "name, x, expected",
    [
        ("sigmoid", INF, 1.0),
        ("sigmoid", -INF, 0.0),
        ("sigmoid", 0.0, 0.5),
        ("softplus", INF, INF),
        ("softplus", -INF, 0.0),
        ("log_sigmoid", INF, 0.0),
        ("log_sigmoid", -INF, -INF),
        ("tanh", INF, 1.0),
        ("tanh", -INF, -1.0),
        ("relu", INF, INF),
        ("relu", -INF, 0.0),
        ("identity", -INF, -INF),
        ("sigmoid_grad", INF, 0.0),
        ("sigmoid_grad", -INF, 0.0),
        ("tanh_grad", INF, 0.0),
        ("tanh_grad", -INF, 0.0),
        ("relu_grad", INF, 1.0),
        ("softplus_grad", INF, 1.0),
        ("softplus_grad_from_output", INF, 1.0),
        ("softplus_grad_from_output", 0.0, 0.0),
    ],
)
def test_special_values_are_exact(name, x, expected):
    for dtype in (np.float64, np.float32):
        got = getattr(F, name)(np.array([x], dtype))
        assert got[0] == expected, dtype


@pytest.mark.parametrize("name", [n for n in ALL_ELEMENTWISE if "identity" not in n])
def test_nan_in_gives_nan_out(name):
    for dtype in (np.float64, np.float32):
        got = getattr(F, name)(np.array([NAN, 1.0], dtype))
        assert np.isnan(got[0]) and not np.isnan(got[1])


def _strict():
    """Every floating-point event raises, and so does every warning."""
    stack = warnings.catch_warnings()
    stack.__enter__()
    warnings.simplefilter("error")
    errstate = np.errstate(all="raise")
    errstate.__enter__()

    def close():
        errstate.__exit__(None, None, None)
        stack.__exit__(None, None, None)

    return close


def _extreme_finite(dtype: type) -> np.ndarray:
    info = np.finfo(dtype)
    special = [info.max, info.min, info.tiny, info.smallest_subnormal, 0.0, -0.0]
    return np.concatenate([grid(dtype), np.array(special, dtype)])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_no_floating_point_warning_for_any_finite_input(dtype):
    x = _extreme_finite(dtype)
    rows = np.stack([x, x[::-1], np.roll(x, 7)]).T  # wild spreads in every row
    close = _strict()
    try:
        for name in ALL_ELEMENTWISE:
            result = getattr(F, name)(x)
            if not name.endswith("from_output"):
                # (a y outside the activation's range may give a true -inf)
                assert np.isfinite(result).all(), name
        for f in (F.logsumexp, F.softmax, F.log_softmax):
            f(rows)
            f(rows, axis=0)
        y = (x > 0).astype(dtype)
        F.binary_log_loss(y, x)
        F.multinomial_log_loss(np.eye(3)[np.arange(x.size) % 3], rows)
    finally:
        close()


def test_sigmoid_softplus_log_sigmoid_are_never_nan_or_inf_for_finite_input():
    x = _extreme_finite(np.float64)
    for f in (F.sigmoid, F.softplus, F.log_sigmoid, F.tanh):
        assert np.isfinite(f(x)).all()


@pytest.mark.parametrize(
    "x, dtype",
    [
        ([1, -2, 3], np.float64),
        (np.array([1, -2], np.int32), np.float64),
        (np.array([True, False]), np.float64),
        (np.array([0.5, -1.0], np.float32), np.float32),
        (np.array([0.5, -1.0], np.float16), np.float16),
        (np.array([0.5, -1.0]), np.float64),
    ],
)
def test_output_dtype_follows_the_input(x, dtype):
    for name in ALL_ELEMENTWISE:
        assert getattr(F, name)(x).dtype == dtype, name
    for f in (F.logsumexp, F.softmax, F.log_softmax):
        assert np.asarray(f(x)).dtype == dtype


def test_float32_results_are_the_float64_results_rounded_once():
    x = grid(np.float32)
    for name in ALL_ELEMENTWISE:
        f = getattr(F, name)
        with np.errstate(over="ignore"):  # from_output: true values beyond float32
            expected = f(x.astype(np.float64)).astype(np.float32)
        np.testing.assert_array_equal(f(x), expected, err_msg=name)


def test_scalar_input_gives_a_numpy_scalar():
    assert F.sigmoid(0.0) == 0.5
    assert isinstance(F.sigmoid(0.0), np.float64)
    assert isinstance(F.relu(np.float32(-1.0)), np.float32)
    assert F.logsumexp(3.0) == 3.0


def test_complex_input_is_rejected():
    with pytest.raises(TypeError):
        F.sigmoid(np.array([1j]))


def _all_calls():
    for name in ALL_ELEMENTWISE:
        yield name, getattr(F, name)
    for f in (F.logsumexp, F.softmax, F.log_softmax):
        yield f.__name__, f


def test_inputs_are_never_modified():
    rng = np.random.default_rng(1)
    for dtype in (np.float64, np.float32):
        x = (rng.normal(size=(40, 3)) * 50).astype(dtype)
        x[0, 0], x[1, 1], x[2, 2] = np.inf, -np.inf, np.nan
        for name, f in _all_calls():
            before = x.copy()
            f(x)
            np.testing.assert_array_equal(x, before, err_msg=name)
    y = np.array([0.0, 1.0, 0.3])
    z = np.array([2.0, -1.0, 0.5])
    y0, z0 = y.copy(), z.copy()
    F.binary_log_loss(y, z, sample_weight=np.ones(3))
    F.multinomial_log_loss(np.eye(3), np.tile(z, (3, 1)))
    np.testing.assert_array_equal(y, y0)
    np.testing.assert_array_equal(z, z0)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", ALL_ELEMENTWISE)
def test_out_may_be_the_input_itself_for_in_place_use(name, dtype):
    f = getattr(F, name)
    x = (np.random.default_rng(2).normal(size=(70000, 2)) * 20).astype(dtype)
    expected = f(x)
    z = x.copy()
    result = f(z, out=z)
    assert result is z
    np.testing.assert_array_equal(z, expected)


@pytest.mark.parametrize("name", ALL_ELEMENTWISE)
def test_out_may_be_a_separate_or_strided_or_overlapping_array(name):
    f = getattr(F, name)
    x = np.linspace(-30, 30, 41)
    expected = f(x)
    out = np.empty_like(x)
    assert f(x, out=out) is out
    np.testing.assert_array_equal(out, expected)
    wide = np.zeros((41, 2))
    assert f(x, out=wide[:, 1]) is not None
    np.testing.assert_array_equal(wide[:, 1], expected)
    np.testing.assert_array_equal(wide[:, 0], 0.0)
    shifted = np.concatenate([x, [0.0]])
    f(shifted[:-1], out=shifted[1:])  # partial overlap
    np.testing.assert_array_equal(shifted[1:], expected)


def test_out_of_the_wrong_shape_or_dtype_is_rejected():
    x = np.zeros(3)
    with pytest.raises(ValueError):
        F.sigmoid(x, out=np.empty(4))
    with pytest.raises(TypeError):
        F.sigmoid(x, out=np.empty(3, np.float32))
    with pytest.raises(TypeError):
        F.sigmoid(x, out=[0.0, 0.0, 0.0])


def test_zero_size_and_zero_dimensional_inputs_work():
    for name in ALL_ELEMENTWISE:
        assert getattr(F, name)(np.zeros((0, 3))).shape == (0, 3)
        out = np.zeros(())
        assert getattr(F, name)(np.array(0.25), out=out) is out


# --------------------------------------------------------------------------
# Losses from logits
# --------------------------------------------------------------------------


def test_binary_log_loss_equals_the_probability_formula_where_that_is_safe():
    rng = np.random.default_rng(4)
    y = rng.uniform(0, 1, 50)
    z = rng.normal(0, 3, 50)
    p = scipy.special.expit(z)
    expected = np.mean(-(y * np.log(p) + (1 - y) * np.log1p(-p)))
    assert F.binary_log_loss(y, z) == pytest.approx(expected, rel=1e-12)


def test_binary_log_loss_2d_sums_outputs_and_weights_samples_like_sklearn():
    rng = np.random.default_rng(5)
    y = (rng.uniform(size=(20, 3)) > 0.5).astype(float)
    z = rng.normal(0, 4, (20, 3))
    w = rng.uniform(0.1, 2, 20)
    per_entry = F.softplus(z) - y * z
    expected = np.average(per_entry, weights=w, axis=0).sum()
    assert F.binary_log_loss(y, z, sample_weight=w) == pytest.approx(
        expected, rel=1e-12
    )


def test_binary_log_loss_is_zero_for_a_certain_correct_prediction():
    assert F.binary_log_loss([1.0, 0.0], [np.inf, -np.inf]) == 0.0
    assert F.binary_log_loss([1.0], [800.0]) == 0.0


def test_binary_log_loss_is_inf_for_a_certain_wrong_prediction():
    assert F.binary_log_loss([1.0], [-np.inf]) == np.inf
    assert F.binary_log_loss([0.0], [np.inf]) == np.inf


def test_binary_log_loss_of_a_very_wrong_finite_logit_is_finite_and_exact():
    # The probability route gives log(0) = -inf; from logits the loss is |z|.
    assert F.binary_log_loss([1.0], [-800.0]) == 800.0


def test_binary_log_loss_accepts_1d_targets_with_a_column_of_logits():
    z = np.array([[0.3], [-2.0]])
    assert F.binary_log_loss([1, 0], z) == F.binary_log_loss([1, 0], z[:, 0])
    with pytest.raises(ValueError):
        F.binary_log_loss([1, 0, 1], z)


def test_multinomial_log_loss_matches_sklearn_log_loss():
    from sklearn.metrics import log_loss

    rng = np.random.default_rng(6)
    z = rng.normal(0, 3, (30, 4))
    labels = rng.integers(0, 4, 30)
    labels[:4] = [0, 1, 2, 3]
    w = rng.uniform(0.5, 1.5, 30)
    Y = np.eye(4)[labels]
    expected = log_loss(labels, scipy.special.softmax(z, axis=1), sample_weight=w)
    got = F.multinomial_log_loss(Y, z, sample_weight=w)
    assert got == pytest.approx(expected, rel=1e-12)


def test_multinomial_log_loss_ignores_impossible_classes_with_zero_target():
    Y = np.array([[1.0, 0.0, 0.0]])
    assert F.multinomial_log_loss(Y, [[0.0, -np.inf, -np.inf]]) == 0.0
    assert F.multinomial_log_loss(Y, [[np.inf, 0.0, 0.0]]) == 0.0
    assert F.multinomial_log_loss(Y, [[-np.inf, 0.0, 0.0]]) == np.inf


def test_multinomial_log_loss_accepts_soft_targets():
    Y = np.array([[0.25, 0.75]])
    z = np.array([[1.0, -1.0]])
    log_p = z - np.log(np.exp(1.0) + np.exp(-1.0))
    assert F.multinomial_log_loss(Y, z) == pytest.approx(-(Y * log_p).sum())


def test_multinomial_log_loss_rejects_mismatched_shapes():
    with pytest.raises(ValueError):
        F.multinomial_log_loss(np.eye(3), np.zeros((3, 2)))


# --------------------------------------------------------------------------
# The lecture's points
# --------------------------------------------------------------------------


def test_sigmoid_of_zero_is_one_half():
    assert F.sigmoid(0.0) == 0.5


def test_sigmoid_derivative_is_sigmoid_times_one_minus_sigmoid():
    x = np.linspace(-10, 10, 201)
    s = F.sigmoid(x)
    # Near s = 1 the textbook s * (1 - s) inherits s's absolute rounding error
    # (about 1e-16), hence the absolute tolerance.
    np.testing.assert_allclose(F.sigmoid_grad(x), s * (1 - s), rtol=1e-15, atol=3e-16)


def test_softplus_derivative_is_the_sigmoid():
    x = np.linspace(-30, 30, 301)
    np.testing.assert_array_equal(F.softplus_grad(x), F.sigmoid(x))
    h = 1e-5
    numerical = (F.softplus(x + h) - F.softplus(x - h)) / (2 * h)
    np.testing.assert_allclose(numerical, F.sigmoid(x), rtol=1e-8, atol=1e-12)


def test_tanh_is_a_rescaled_sigmoid():
    # tanh(x) = 2 sigmoid(2x) - 1; away from 0 (where the -1 cancels) the two
    # agree to a few ULP.
    x = np.concatenate([np.linspace(-20, -0.5, 400), np.linspace(0.5, 20, 400)])
    rescaled = 2 * F.sigmoid(2 * x) - 1
    assert ulp_distance(rescaled, F.tanh(x)).max() <= 4
    x = np.linspace(-3, 3, 601)
    np.testing.assert_allclose(2 * F.sigmoid(2 * x) - 1, F.tanh(x), atol=4e-16)


def test_naive_sigmoid_overflows_where_the_piecewise_one_does_not():
    with pytest.warns(RuntimeWarning, match="overflow"):
        naive = 1 / (1 + np.exp(-np.array([-800.0])))
    assert naive[0] == 0.0
    assert F.sigmoid(-745.0) == 5e-324  # the smallest subnormal, not 0
    assert F.sigmoid(-700.0) == pytest.approx(np.exp(-700.0), rel=1e-15)


def test_log_of_the_sigmoid_is_minus_inf_naively_but_exact_in_log_space():
    with np.errstate(divide="ignore"):
        naive = np.log(F.sigmoid(-800.0))
    assert naive == -np.inf
    assert F.log_sigmoid(-800.0) == -800.0


def test_log_of_one_minus_sigmoid_is_log_sigmoid_of_minus_x():
    # log(1 - sigmoid(x)) = log(sigmoid(-x)): the lecture's third quantity.
    x = np.array([-5.0, 0.0, 40.0, 800.0])
    with np.errstate(divide="ignore"):
        naive = np.log(1 - F.sigmoid(x))
    assert naive[-1] == -np.inf and naive[-2] == -np.inf
    np.testing.assert_allclose(
        F.log_sigmoid(-x), [-np.log1p(np.exp(-5)), -np.log(2), -40, -800]
    )


def test_sigmoid_neuron_from_the_computational_graph_slides():
    w0, x0, w1, x1, w2 = 2.0, -1.0, -3.0, -2.0, -3.0
    out = F.sigmoid(w0 * x0 + w1 * x1 + w2)  # sigmoid(1), the slides' 0.73
    local = F.sigmoid_grad_from_output(out)  # the slides' 0.20
    exact_out = 1 / (1 + mpmath.exp(-1))
    # The slides' rounded numbers are these exact values ...
    assert round(float(exact_out), 2) == 0.73
    assert round(float(exact_out * (1 - exact_out)), 2) == 0.20
    # ... which sigmoid returns correctly rounded, and its local gradient
    # within 2 ULP (it starts from the rounded output).
    assert float(out) == round_to(exact_out, np.float64)
    want_local = round_to(exact_out * (1 - exact_out), np.float64)
    assert ulp_distance(np.array([local]), np.array([want_local]))[0] <= 2


# --------------------------------------------------------------------------
# Properties over all floats (hypothesis)
# --------------------------------------------------------------------------

any_float64 = st.floats(allow_nan=False, allow_infinity=False, width=64)


@settings(deadline=None, max_examples=200)
@given(hnp.arrays(np.float64, st.integers(1, 20), elements=any_float64))
def test_no_warning_and_values_in_range_for_arbitrary_finite_floats(x):
    close = _strict()
    try:
        s, ls, sp, t = F.sigmoid(x), F.log_sigmoid(x), F.softplus(x), F.tanh(x)
        for name in ALL_ELEMENTWISE:
            getattr(F, name)(x)
        F.logsumexp(x)
        F.softmax(x)
        F.log_softmax(x)
    finally:
        close()
    assert np.all((s >= 0) & (s <= 1))
    assert np.all(ls <= 0)
    assert np.all(sp >= 0) and np.all(sp >= x)
    assert np.all(np.abs(t) <= 1)


@settings(deadline=None, max_examples=200)
@given(hnp.arrays(np.float64, st.integers(1, 20), elements=st.floats(-700, 700)))
def test_symmetries_of_sigmoid_and_softplus(x):
    # sigmoid(x) + sigmoid(-x) == 1 and softplus(x) - softplus(-x) == x.
    np.testing.assert_allclose(F.sigmoid(x) + F.sigmoid(-x), 1.0, rtol=3e-16)
    np.testing.assert_allclose(
        F.softplus(x) - F.softplus(-x), x, rtol=1e-15, atol=1e-15
    )
    np.testing.assert_allclose(F.log_sigmoid(x), -F.softplus(-x), rtol=0, atol=0)


@settings(deadline=None, max_examples=100)
@given(hnp.arrays(np.float64, st.integers(2, 30), elements=any_float64))
def test_sigmoid_and_softplus_are_monotonic(x):
    x = np.sort(x)
    for f in (F.sigmoid, F.softplus, F.log_sigmoid, F.tanh):
        assert np.all(np.diff(f(x)) >= 0), f.__name__


@settings(deadline=None, max_examples=100)
@given(st.floats(-745.0, 745.0))
def test_sigmoid_agrees_with_mpmath_at_random_points(x):
    got = F.sigmoid(np.array([x]))
    want = round_to(_mp_sigmoid(MP(x)), np.float64)
    assert ulp_distance(got, [want])[0] <= 2


# --------------------------------------------------------------------------
# The benchmark script runs
# --------------------------------------------------------------------------


def test_benchmark_script_runs_and_saves_json(tmp_path, capsys):
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_functional.py"
    spec = importlib.util.spec_from_file_location("bench_functional", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    target = tmp_path / "bench.json"
    bench.main(["--n", "1000", "--repeat", "7", "--json", str(target)])
    report = json.loads(target.read_text())
    assert {row["function"] for row in report["results"]} >= {"sigmoid", "softplus"}
    assert "ratio" in capsys.readouterr().out


# --------------------------------------------------------------------------
# ``python tests/test_functional.py`` prints the accuracy table of the docs
# --------------------------------------------------------------------------


def accuracy_report() -> str:
    lines = [
        "| function | float64 max ULP | float32 max ULP |",
        "| --- | --- | --- |",
    ]
    for name in ELEMENTWISE + GRADIENTS:
        cells = []
        for dtype in (np.float64, np.float32):
            got = getattr(F, name)(grid(dtype))
            distance = ulp_distance(got, reference_on_grid(name, dtype))
            cells.append(f"{distance.max():g}")
        lines.append(f"| `{name}` | {cells[0]} | {cells[1]} |")
    for name in FROM_OUTPUT:
        cells = []
        for dtype in (np.float64, np.float32):
            y = _outputs(name, dtype)
            want = oracle(MP_FROM_OUTPUT[name], y, dtype)
            cells.append(f"{ulp_distance(getattr(F, name)(y), want).max():g}")
        lines.append(f"| `{name}` | {cells[0]} | {cells[1]} |")
    rows = {dtype: row_errors(dtype) for dtype in (np.float64, np.float32)}
    for name in rows[np.float64]:
        cells = [f"{rows[dtype][name]:.2g}" for dtype in (np.float64, np.float32)]
        lines.append(
            f"| `{name}` (ULP of max(abs(true), 1)) | {cells[0]} | {cells[1]} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    print(
        f"{grid(np.float64).size} float64 / {grid(np.float32).size} float32 "
        f"grid points; {len(_random_rows(np.float64, 250, seed=3))} random rows "
        "per dtype"
    )
    print(accuracy_report())
