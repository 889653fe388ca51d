"""Test configuration shared by the test modules."""

import os

import numpy as np
import pytest
from hypothesis import settings
from threadpoolctl import threadpool_limits


@pytest.fixture(scope="module")
def single_threaded_blas():
    """Run BLAS on one thread for a module of tiny-matrix tests.

    skffnn holds its own fits to one thread when the products are small, but the
    scikit-learn MLPs these modules compare with do not: on a busy 2-core machine
    their threads spin against each other and make L-BFGS-B about 10x slower.
    Modules opt in with ``pytestmark = pytest.mark.usefixtures(...)``.
    """
    with threadpool_limits(limits=1, user_api="blas"):
        yield


@pytest.fixture(autouse=True)
def _seeded_global_rng():
    """Seed NumPy's global generator before every test.

    Estimators built with ``random_state=None`` draw from it, so without a seed a
    test's outcome would depend on the run (CI once failed a score threshold on an
    unlucky initialisation). Tests that need a fixed outcome pass ``random_state``
    themselves; this keeps the rest reproducible.
    """
    state = np.random.get_state()  # noqa: NPY002 (the global one sklearn uses)
    np.random.seed(0)  # noqa: NPY002
    yield
    np.random.set_state(state)  # noqa: NPY002


# The suite's property tests replay the same examples on every run, so CI
# cannot fail on one unlucky draw; ``HYPOTHESIS_PROFILE=explore`` draws fresh
# examples for the longer release-check runs.
settings.register_profile("repeatable", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))
