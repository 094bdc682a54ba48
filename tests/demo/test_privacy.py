"""The demo town lists one departed family past retention, which the administrator may pseudonymise."""

import pytest

from ardoise.demo.privacy import DEPARTED_NAME, DEPARTED_NUMBER
from ardoise.privacy import queries
from tests.demo.dates import TODAY

pytestmark = pytest.mark.django_db


def test_it_lists_one_departed_family_that_may_be_pseudonymised(demo):
    [candidate] = queries.candidates(demo, TODAY)
    assert (candidate.number, candidate.name) == (DEPARTED_NUMBER, DEPARTED_NAME)
    assert candidate.served
    assert candidate.eligible
