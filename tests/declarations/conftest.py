"""Declaration helpers: the make_declaration fixture lives in tests/conftest.py."""

from tests.factories import complete_values

__all__ = ["complete_values"]
