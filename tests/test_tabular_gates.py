"""Every gate of the tabular recipe against central finite differences (float64)."""

import numpy as np
import pytest

from skffnn import RobustSmoothClipScaler
from skffnn._tabular import _gates as G
from skffnn._tabular._net import TabularNet


def numeric_grad(f, x, eps=1e-6):
    """Central differences of the scalar f() with respect to every entry of x."""
    g = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + eps
        fp = f()
        x[i] = old - eps
        fm = f()
        x[i] = old
        g[i] = (fp - fm) / (2 * eps)
    return g


def assert_close(analytic, numeric):
    scale = max(np.abs(numeric).max(), 1e-8)
    assert np.abs(analytic - numeric).max() / scale < 1e-6


rng = np.random.default_rng(0)


@pytest.mark.parametrize("name", sorted(G.ACTIVATION_FNS))
def test_parametric_activation_gradients_match_finite_differences(name):
    z = rng.normal(size=(5, 4)) * 3
    alpha = rng.normal(size=4)
    up = rng.normal(size=(5, 4))

    def loss():
        return float((G.parametric_forward(z, alpha, name)[0] * up).sum())

    dz, dalpha = G.parametric_backward(up, G.parametric_forward(z, alpha, name)[1])
    if name != "relu":  # relu's kink: finite differences are fine away from 0
        assert_close(dz, numeric_grad(loss, z))
    assert_close(dalpha, numeric_grad(loss, alpha))


@pytest.mark.parametrize("name", ["selu", "mish"])
def test_selu_and_mish_values_match_their_definitions(name):
    z = np.linspace(-30, 30, 601)
    f = G.ACTIVATION_FNS[name][0](z)
    if name == "selu":
        ref = G.SELU_SCALE * np.where(z > 0, z, G.SELU_ALPHA * (np.exp(z) - 1))
    else:
        ref = z * np.tanh(np.logaddexp(0, z))
    np.testing.assert_allclose(f, ref, rtol=1e-12, atol=1e-300)


@pytest.mark.parametrize("batched", [False, True])
def test_ntk_linear_gate_gradients_match_finite_differences(batched):
    shape_x, shape_w, shape_b = (
        ((3, 5, 4), (3, 4, 2), (3, 1, 2))
        if batched
        else (
            (5, 4),
            (4, 2),
            (2,),
        )
    )
    x, W, b = (
        rng.normal(size=shape_x),
        rng.normal(size=shape_w),
        rng.normal(size=shape_b),
    )
    up = rng.normal(size=(*shape_x[:-1], 2))

    def loss():
        return float((G.linear_forward(x, W, b)[0] * up).sum())

    dx, dW, db = G.linear_backward(up, G.linear_forward(x, W, b)[1])
    assert_close(dx, numeric_grad(loss, x))
    assert_close(dW, numeric_grad(loss, W))
    assert_close(db.reshape(b.shape), numeric_grad(loss, b))


def test_scaling_layer_gradients_match_finite_differences():
    x, s, up = rng.normal(size=(6, 3)), rng.normal(size=3), rng.normal(size=(6, 3))

    def loss():
        return float((G.scale_forward(x, s)[0] * up).sum())

    dx, ds = G.scale_backward(up, G.scale_forward(x, s)[1])
    assert_close(dx, numeric_grad(loss, x))
    assert_close(ds, numeric_grad(loss, s))


def test_member_scaling_gradients_match_finite_differences():
    x, r, up = (
        rng.normal(size=(6, 3)),
        rng.normal(size=(4, 3)),
        rng.normal(size=(4, 6, 3)),
    )

    def loss():
        return float((G.member_scale_forward(x, r)[0] * up).sum())

    dx, dr = G.member_scale_backward(up, G.member_scale_forward(x, r)[1])
    assert_close(dx, numeric_grad(loss, x))
    assert_close(dr, numeric_grad(loss, r))


def test_periodic_embedding_gradients_match_finite_differences():
    n, d, m, e = 5, 3, 4, 2
    x, w, b = rng.normal(size=(n, d)), rng.normal(size=(d, m)), rng.normal(size=(d, m))
    V, c = rng.normal(size=(d, m, e)), rng.normal(size=(d, e))
    up = rng.normal(size=(n, d * (1 + e)))

    def loss():
        return float((G.periodic_forward(x, w, b, V, c)[0] * up).sum())

    grads = G.periodic_backward(up, G.periodic_forward(x, w, b, V, c)[1])
    for analytic, param in zip(grads, (x, w, b, V, c)):
        assert_close(analytic, numeric_grad(loss, param))


def test_dropout_gate_gradient_is_the_mask():
    x, up = rng.normal(size=(50, 4)), rng.normal(size=(50, 4))
    out, mask = G.dropout_forward(x, 0.3, np.random.default_rng(1))
    assert set(np.unique(mask)) <= {0.0, 1 / 0.7}
    np.testing.assert_array_equal(out, x * mask)
    np.testing.assert_array_equal(G.dropout_backward(up, mask), up * mask)


def test_smooth_clip_gradient_matches_finite_differences():
    x = np.linspace(-20, 20, 41)
    num = (G.smooth_clip(x + 1e-6) - G.smooth_clip(x - 1e-6)) / 2e-6
    np.testing.assert_allclose(G.smooth_clip_grad(x), num, rtol=1e-7, atol=1e-12)


def test_robust_smooth_clip_transform_gradient_matches_finite_differences():
    X = rng.normal(size=(40, 3)) * [1, 10, 0] + [0, 5, 2]
    sc = RobustSmoothClipScaler().fit(X)
    num = (sc.transform(X + 1e-6) - sc.transform(X - 1e-6)) / 2e-6
    np.testing.assert_allclose(sc.transform_gradient(X), num, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize(
    "embedding,parametric,k,n_embedded",
    [
        (None, False, 1, None),
        ("pbld", True, 3, None),
        (None, True, 2, None),
        ("pbld", False, 2, 2),  # the last column passes the embedding by
    ],
)
def test_whole_network_gradient_matches_finite_differences(
    embedding, parametric, k, n_embedded
):
    net = TabularNet(
        3, 2, (5, 4), "mish", k, embedding, 4, 2, parametric, np.float64,
        n_embedded=n_embedded,
    )  # fmt: skip
    theta = net.init(np.random.default_rng(0), 0.5)
    theta += rng.normal(size=theta.shape) * 0.3  # leave the zero-initialised head
    X, up = rng.normal(size=(7, 3)), rng.normal(size=(k, 7, 2))

    def loss():
        out, _ = net.forward(theta, X, rng=np.random.default_rng(5), dropout=0.2)
        return float((out * up).sum())

    _, caches = net.forward(theta, X, rng=np.random.default_rng(5), dropout=0.2)
    assert_close(net.backward(theta, up, caches), numeric_grad(loss, theta))


def test_network_embeds_only_its_first_columns_and_passes_the_rest_through():
    net = TabularNet(
        3, 1, (4,), "selu", 1, "pbld", 4, 2, False, np.float64, n_embedded=2
    )
    theta = net.init(np.random.default_rng(0), 0.5)
    p = net.views(theta)
    assert p["emb_w"].shape == (2, 4) and net.input_width == 2 * (1 + 2) + 1
    X = rng.normal(size=(6, 3))
    _, caches = net.forward(theta, X)
    # The scaling layer sees [embedding of columns 0-1, column 2 as it is].
    emb = G.periodic_forward(X[:, :2], p["emb_w"], p["emb_b"], p["emb_V"], p["emb_c"])
    np.testing.assert_array_equal(caches["scale"][0][:, :-1], emb[0])
    np.testing.assert_array_equal(caches["scale"][0][:, -1], X[:, 2])
