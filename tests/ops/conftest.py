from __future__ import annotations

from typing import Any

import pytest

from vigie.ops.probes import readiness_memo


@pytest.fixture(autouse=True)
def _fresh_readiness(settings: Any) -> Any:
    """Each test sees the state it built: no readiness result reused from another test."""
    settings.VIGIE_READY_CACHE_SECONDS = 0
    readiness_memo.clear()
    yield
    readiness_memo.clear()
