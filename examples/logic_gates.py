"""Logic gates: one neuron realises AND and OR but not XOR; one hidden layer does.

The lecture's exercise. Rosenblatt's perceptron is a single neuron with a step
activation, ``a = 1 if w1 x1 + w2 x2 >= t else 0``. Hand-picked weights make it
AND (``w = (1, 1), t = 1.5``) and OR (``w = (1, 1), t = 0.5``). XOR is not
*linearly separable*: (0, 1) and (1, 0) must lie on one side of the line
``w1 x1 + w2 x2 = t`` and (0, 0) and (1, 1) on the other, which is impossible
(adding the first two inequalities contradicts adding the last two). A
brute-force search over a grid of weights and thresholds finds AND and OR many
times, and XOR never.

The lesson: a single layer is very limited; chain neurons into layers. A
network with no hidden layer (``FFNClassifier(hidden_layer_sizes=())``,
logistic regression) also draws one line and cannot get more than 3 of the 4
points right, while one hidden layer of a few units fits XOR exactly.

Run: python examples/logic_gates.py
"""

import numpy as np

from skffnn import FFNClassifier

X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
TARGETS = {
    "AND": np.array([0, 0, 0, 1]),
    "OR": np.array([0, 1, 1, 1]),
    "XOR": np.array([0, 1, 1, 0]),
}


def perceptron(w, t, X=X):
    """Rosenblatt's step neuron: 1 where ``X @ w >= t``, else 0."""
    return (X @ np.asarray(w) >= t).astype(int)


def hand_picked():
    print("Step neuron a = 1 if w1 x1 + w2 x2 >= t, on inputs", X.tolist())
    for name, w, t in [("AND", (1, 1), 1.5), ("OR", (1, 1), 0.5)]:
        out = perceptron(w, t)
        ok = np.array_equal(out, TARGETS[name])
        print(f"  {name:<4}w = {w}, t = {t}: outputs {out.tolist()} -> {ok}")


GRID = np.linspace(-2.0, 2.0, 41)


def brute_force(grid=GRID):
    """How many (w1, w2, t) on the grid realise each gate (vectorised search)."""
    w1, w2, t = (g.ravel() for g in np.meshgrid(grid, grid, grid))
    outputs = (X @ np.stack([w1, w2]) >= t).astype(int)  # (4, n_triples)
    counts = {
        name: int(np.all(outputs == target[:, None], axis=0).sum())
        for name, target in TARGETS.items()
    }
    print(f"\nBrute force over {t.size} weight/threshold triples in [-2, 2]:")
    for name, c in counts.items():
        print(f"  {name:<4}realised by {c} of them")
    return counts


def networks():
    y = TARGETS["XOR"]
    linear = FFNClassifier(hidden_layer_sizes=(), solver="lbfgs", random_state=0)
    hidden = FFNClassifier(
        hidden_layer_sizes=(4,), activation="tanh", solver="lbfgs", alpha=0.0,
        max_iter=2000, tol=1e-10, random_state=1,
    )  # fmt: skip
    print("\nXOR with FFNClassifier (lbfgs):")
    scores = {}
    for name, clf in [("no hidden layer", linear), ("one hidden layer (4)", hidden)]:
        clf.fit(X, y)
        scores[name] = clf.score(X, y)
        p1 = clf.predict_proba(X)[:, 1]
        print(f"  {name:<22}predict {clf.predict(X).tolist()}  accuracy {scores[name]}")
        print(f"  {'':<22}P(y=1) {np.round(p1, 3).tolist()}")
    print("Without a hidden layer the best the log-loss can do is P = 0.5 everywhere")
    print("(any line gets at most 3 of 4 points right); one hidden layer fits XOR.")
    return scores


def main():
    hand_picked()
    counts = brute_force()
    scores = networks()
    return {"counts": counts, "scores": scores}


if __name__ == "__main__":
    main()
