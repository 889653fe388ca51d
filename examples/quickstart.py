"""Quickstart: swap scikit-learn's MLPClassifier for skffnn's FFNClassifier.

Fits both on the digits dataset (ships with scikit-learn) with the same
hyperparameters and seed, and prints test accuracy, fit time, and what skffnn
adds: log-probabilities computed from the logits.

Run: python examples/quickstart.py
"""

import time
import warnings

import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skffnn import FFNClassifier


def fit_and_score(estimator, X_train, X_test, y_train, y_test):
    model = make_pipeline(StandardScaler(), estimator)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X_train, y_train)
    seconds = time.perf_counter() - start
    return model, model.score(X_test, y_test), seconds


def main():
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=0, stratify=y
    )
    params = dict(hidden_layer_sizes=(100,), max_iter=100, random_state=0)
    print(f"digits: {X_train.shape[0]} training, {X_test.shape[0]} test samples")
    print(f"{'model':<28}{'test accuracy':>14}{'fit seconds':>13}")
    models = {}
    for name, est in [
        ("sklearn MLPClassifier", MLPClassifier(**params)),
        ("skffnn FFNClassifier", FFNClassifier(**params)),
        ("skffnn, tanh + softplus", FFNClassifier(
            (64, 32), activation=["tanh", "softplus"], max_iter=100, random_state=0
        )),
    ]:  # fmt: skip
        model, acc, sec = fit_and_score(est, X_train, X_test, y_train, y_test)
        models[name] = model
        print(f"{name:<28}{acc:>14.4f}{sec:>13.2f}")

    ours = models["skffnn FFNClassifier"]
    theirs = models["sklearn MLPClassifier"]
    same = np.mean(ours.predict(X_test) == theirs.predict(X_test))
    print(f"\nSame seed, same hyperparameters: {same:.1%} identical predictions.")
    # Far from the data the logits are huge: probabilities underflow to 0 and
    # their log is -inf, while log-softmax of the logits stays exact.
    far = X_test[:1] * 200
    log_p = ours.predict_log_proba(far)
    with np.errstate(divide="ignore"):
        naive = np.log(ours.predict_proba(far))
    print(
        f"Far-out sample: smallest log-probability {log_p.min():.4g} from the "
        f"logits; np.log(predict_proba) gives {naive.min()}."
    )


if __name__ == "__main__":
    main()
