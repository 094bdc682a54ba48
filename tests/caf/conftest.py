"""The CAF report's hand-made fortnight (tests/caf/fixtures.py), for every test of this folder."""

from tests.caf.fixtures import fortnight

__all__ = ["fortnight"]
