"""Test configuration shared by the test modules."""

import pytest
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
