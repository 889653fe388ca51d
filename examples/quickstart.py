"""Quickstart: swap scikit-learn's MLPClassifier for skffnn's FFNClassifier.

Fits both on the digits dataset (ships with scikit-learn) with the same
hyperparameters and seed, and prints the test accuracy, how many predictions
agree, the fit times, and what skffnn adds: log-probabilities computed from
the logits.

The timing is fair: both libraries run under the same BLAS thread setting
(set through threadpoolctl, which comes with scikit-learn), and each time is
the best of several fits, which discards runs slowed down by whatever else the
machine is doing. One BLAS thread is the default, because these products are
small: with two threads on a busy machine the threads wait for each other and
the comparison measures the contention, not the libraries.

Needs only skffnn's runtime dependencies. Run: python examples/quickstart.py
(``--threads 2`` to time both libraries on two BLAS threads instead).
"""

import argparse
import time
import warnings

import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from skffnn import FFNClassifier

PARAMS = dict(hidden_layer_sizes=(100,), max_iter=100, random_state=0)


def best_fit(estimator, X, y, repeats):
    """The last fitted pipeline and the shortest of ``repeats`` fit times."""
    times = []
    for _ in range(repeats):
        model = make_pipeline(StandardScaler(), estimator)
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X, y)
        times.append(time.perf_counter() - start)
    return model, min(times)


def main(threads=1, repeats=3):
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=0, stratify=y
    )
    print(f"digits: {X_train.shape[0]} training, {X_test.shape[0]} test samples")
    print(f"every fit on {threads} BLAS thread(s); fit time = best of {repeats} fits")
    print(f"{'model':<28}{'test accuracy':>14}{'fit seconds':>13}")
    candidates = {
        "sklearn MLPClassifier": MLPClassifier(**PARAMS),
        "skffnn FFNClassifier": FFNClassifier(**PARAMS),
        "skffnn, tanh + softplus": FFNClassifier(
            (64, 32), activation=["tanh", "softplus"], max_iter=100, random_state=0
        ),
    }
    models, seconds = {}, {}
    with threadpool_limits(limits=threads, user_api="blas"):
        for name, est in candidates.items():
            models[name], seconds[name] = best_fit(est, X_train, y_train, repeats)
            acc = models[name].score(X_test, y_test)
            print(f"{name:<28}{acc:>14.4f}{seconds[name]:>13.3f}")

    ours = models["skffnn FFNClassifier"]
    theirs = models["sklearn MLPClassifier"]
    same = np.mean(ours.predict(X_test) == theirs.predict(X_test))
    ratio = seconds["skffnn FFNClassifier"] / seconds["sklearn MLPClassifier"]
    print(f"\nSame seed, same hyperparameters: {same:.1%} identical predictions;")
    print(f"skffnn's fit took {ratio:.2f} times scikit-learn's.")
    # Far from the data the logits are huge: probabilities underflow to 0 and
    # their log is -inf, while log-softmax of the logits stays exact.
    far = X_test[:1] * 200
    # A Pipeline forwards only scikit-learn's methods: scale, then ask the net.
    exact = ours[-1].exact_log_proba(ours[:-1].transform(far))
    with np.errstate(divide="ignore"):
        naive = ours.predict_log_proba(far)  # np.log(predict_proba), as sklearn
    print(
        f"Far-out sample: smallest log-probability {exact.min():.4g} from the "
        f"logits (exact_log_proba); predict_log_proba gives {naive.min()}."
    )
    return {"models": models, "seconds": seconds, "same": same, "exact": exact}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads")
    parser.add_argument("--repeat", type=int, default=3, help="fits per model")
    args = parser.parse_args()
    main(threads=args.threads, repeats=args.repeat)
