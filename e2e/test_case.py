"""A case handled in the browser: the cell qualifies and asks, the declarant answers, and
once closed the case is read-only.

Selectors use input names, URLs and data-testid attributes, not the visible text.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.cache import cache

from e2e.conftest import PASSWORD, givors_people, open_action, sign_in, sign_in_with_code, tick
from tests.factories import complete_values
from vigie.cases.models import Case, CaseStatus, Question
from vigie.cases.services import case_agree, case_close, case_end_support
from vigie.declarations.services import declaration_save, declaration_start, declaration_submit
from vigie.declarations.steps import STEPS
from vigie.directory.models import Region, Role, Structure, User
from vigie.directory.services import membership_grant

pytestmark = pytest.mark.e2e


def submitted_case(structure: Structure, declarant: User) -> Case:
    declaration = declaration_start(structure=structure, by=declarant)
    values = complete_values()
    for step in STEPS:
        declaration = declaration_save(
            declaration=declaration,
            by=declarant,
            step=step.slug,
            values={name: values[name] for name in step.fields if name in values},
        )
    declaration_submit(declaration=declaration, by=declarant)
    return Case.objects.get(declaration=declaration)


def sign_out(page: Any) -> None:
    page.locator("header form[action='/compte/logout/'] button[type=submit]").first.click()
    page.wait_for_load_state()
    cache.clear()  # the login rate limit counts per test run


def test_cell_qualifies_declarant_answers_closed_case_is_read_only(
    live_server: Any, page: Any
) -> None:
    base = live_server.url
    structure, declarant, analyst, secret = givors_people()
    ars = User.objects.create_user(email="ssi@ars-ara.test", password=PASSWORD)
    membership_grant(user=ars, role=Role.ARS_OFFICER, by=None, region=Region.objects.get(code="84"))
    case = submitted_case(structure, declarant)

    # The analyst signs in with a code and finds the case in the queue.
    sign_in_with_code(page, base, analyst.email, secret)
    page.goto(f"{base}/dossiers/")
    row = page.locator(f"[data-testid=case-row][data-reference='{case.reference}']")
    row.locator(f"a[href='/dossiers/{case.pk}/']").click()
    page.wait_for_url(f"{base}/dossiers/{case.pk}/")
    status = page.locator("[data-testid=badges] [data-testid=status]")
    assert status.get_attribute("data-status") == "awaiting_qualification"

    # A rule broken is explained and the typed rationale kept; then the qualification.
    tick(page, "input[name=criticity][value=not_incident]")
    tick(page, "input[name=outcomes][value=b2]")
    page.locator("textarea[name=note]").fill("Chiffrement des serveurs confirmé")
    page.locator("[data-testid=qualify-submit]").click()
    page.wait_for_selector("[data-testid=error-summary]")
    assert page.locator("textarea[name=note]").input_value() == "Chiffrement des serveurs confirmé"
    tick(page, "input[name=criticity][value=serious]")
    page.locator("[data-testid=qualify-submit]").click()
    page.wait_for_url(re.compile(rf"/dossiers/{case.pk}/#qualification$"))
    assert status.get_attribute("data-status") == "to_process"
    assert page.locator("[data-testid=form-qualify]").count() == 0
    assert page.locator("[data-testid=timeline] [data-kind=qualified]").count() == 1

    open_action(page, page.locator("#form-ask"))
    page.locator("#form-ask textarea[name=text]").fill("Vos sauvegardes sont-elles saines ?")
    page.locator("[data-testid=ask-submit]").click()
    page.wait_for_url(re.compile(rf"/dossiers/{case.pk}/#questions$"))
    assert page.locator("[data-testid=question] [data-testid=unanswered]").count() == 1
    sign_out(page)

    # The declarant reaches the case from its declaration and answers.
    sign_in(page, base, declarant.email)
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/declarations/{case.declaration_id}/")
    page.locator("[data-testid=case-link]").click()
    page.wait_for_url(f"{base}/dossiers/{case.pk}/")
    question = Question.objects.get(case=case)
    answer_form = page.locator(f"[data-testid=form-answer{question.pk}]")
    answer_form.locator("textarea[name=answer]").fill("Oui, copie hors ligne de la veille.")
    answer_form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/dossiers/{case.pk}/#question-{question.pk}$"))
    assert page.locator("[data-testid=question] [data-testid=answer]").count() == 1
    question.refresh_from_db()
    assert question.answer == "Oui, copie hors ligne de la veille."

    # Support ends and everyone agrees (through the services: the pages are tested
    # above and in tests/cases/test_views.py); the closed case is read-only.
    case.refresh_from_db()
    case_end_support(case=case, by=analyst, version=case.version)
    case_agree(case=case, by=analyst, party="cell")
    case_agree(case=case, by=ars, party="ars")
    case_agree(case=case, by=declarant, party="structure", opinion="useful")
    case.refresh_from_db()
    case_close(case=case, by=analyst, version=case.version, synthesis="Serveurs restaurés.")
    page.reload()
    assert status.get_attribute("data-status") == CaseStatus.CLOSED
    assert page.locator("[data-testid=closed-notice]").is_visible()
    assert page.locator("form[data-testid^=form-]").count() == 0
    assert page.locator(f"form[action^='/dossiers/{case.pk}/']").count() == 0
    assert page.locator("[data-testid=closure-report]").is_visible()
