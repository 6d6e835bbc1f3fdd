"""Every user-facing string of the code base has a French translation."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]


def test_every_message_is_translated_to_french(tmp_path: Path) -> None:
    package = tmp_path / "vigie"
    shutil.copytree(ROOT / "vigie", package, ignore=shutil.ignore_patterns("__pycache__"))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DJANGO_SETTINGS_MODULE": "vigie.settings"}
    subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", "fr", "--no-location", "-v", "0"],
        cwd=package,
        env=env,
        check=True,
    )
    po = package / "locale" / "fr" / "LC_MESSAGES" / "django.po"
    untranslated = subprocess.run(
        ["msgattrib", "--untranslated", "--no-obsolete", str(po)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    fuzzy = subprocess.run(
        ["msgattrib", "--only-fuzzy", "--no-obsolete", str(po)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert untranslated == "", f"Untranslated messages:\n{untranslated}"
    assert fuzzy == "", f"Fuzzy messages:\n{fuzzy}"


@pytest.mark.django_db
def test_pages_are_in_french(client: Client) -> None:
    page = client.get("/").content.decode()
    assert '<html lang="fr"' in page
    assert "Se connecter" in page
    login = client.get("/compte/login/").content.decode()
    assert "Mot de passe oublié ?" in login
