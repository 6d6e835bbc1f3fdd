"""vigie/core/memo.Memo: what pages keep per language is forgotten when a setting changes
(a test overriding languages or storage must not read another setting's markup) and never
grows past its limit."""

from __future__ import annotations

from django.test import override_settings

from vigie.core.memo import Memo


def test_a_memo_is_emptied_when_a_setting_changes() -> None:
    memo = Memo()
    assert memo.put("fr", "<p>Bonjour</p>") == "<p>Bonjour</p>"
    assert memo.get("fr") == "<p>Bonjour</p>"
    with override_settings(LANGUAGE_CODE="en"):
        assert memo.get("fr") is None
        memo.put("en", "<p>Hello</p>")
    assert memo.get("en") is None  # and again when the setting is restored


def test_a_memo_stays_within_its_limit() -> None:
    memo = Memo(limit=3)
    for n in range(10):
        memo.put(n, str(n))
        assert len(memo) <= 3
    assert memo.get(9) == "9"
