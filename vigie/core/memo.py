"""Markup and texts kept per language (and key) in the process: the pages' parts that
depend only on the language, the deployment's settings and a few values (blank forms,
choice labels, the layout's fixed parts).

A ``Memo`` is a dict emptied when a setting changes (tests override languages, static
storage, renderers) and when it holds more than ``limit`` entries (keys made of values
cannot grow without bound)."""

from __future__ import annotations

import weakref
from typing import Any

from django.core.signals import setting_changed

_MEMOS: weakref.WeakValueDictionary[int, Memo] = weakref.WeakValueDictionary()


class Memo(dict[Any, Any]):
    def __init__(self, limit: int = 1000) -> None:
        super().__init__()
        self.limit = limit
        _MEMOS[id(self)] = self

    def put(self, key: Any, value: Any) -> Any:
        """Keep ``value`` under ``key`` and return it."""
        if len(self) >= self.limit:
            self.clear()
        self[key] = value
        return value


def forget(**_kwargs: Any) -> None:
    """Empty every memo (a setting changed; a test starting afresh)."""
    for memo in list(_MEMOS.values()):
        memo.clear()


setting_changed.connect(forget)
