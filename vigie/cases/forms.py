"""Forms of the case pages (DSFR). They check the shape of the input; the services check
the rules. Messages the services also give reuse the services' wording."""

from __future__ import annotations

from functools import cache
from typing import Any

from django import forms
from django.db import connection
from django.utils.translation import gettext_lazy as _
from dsfr.forms import DsfrBaseForm

from vigie.cases import documents
from vigie.cases.models import (
    Case,
    CaseStatus,
    Criticity,
    Outcome,
    Party,
    StructureOpinion,
    SupportMode,
    TrackingKind,
)
from vigie.cases.selectors import ALL, OPEN, SORTS
from vigie.core.dsfr_render import LEAN_RENDERER
from vigie.core.sql import col
from vigie.declarations.models import IncidentType
from vigie.directory.models import Region, StructureKind


def _text(label: Any, *, required: bool = True, message: Any = None, **kwargs: Any) -> Any:
    errors = {"required": message} if message else {}
    return forms.CharField(
        label=label,
        required=required,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages=errors,
        **kwargs,
    )


class CaseActionForm(DsfrBaseForm):
    """Every action form carries the version of the case the user saw."""

    # The case page shows a dozen of them: their fields are rendered in Python.
    default_renderer = LEAN_RENDERER
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def fields_key(self) -> tuple[Any, ...]:
        """What the visible fields of this blank form depend on besides its class, ids,
        initial values (the version aside) and language: the case page writes their
        markup once per key (vigie/cases/render.py). A form built from the case or the
        reader (its own __init__) says what it took; tests/cases/test_blank_forms.py
        holds every form to it."""
        return ()

    def __init__(self, *args: Any, key: str, **kwargs: Any) -> None:
        # Several forms share the page: distinct ids, same field names.
        kwargs.setdefault("auto_id", f"id_{key}_%s")
        super().__init__(*args, **kwargs)
        self.key = key
        self.html_id = f"form-{key}"

    def error_links(self) -> list[dict[str, str]]:
        """Errors for the summary at the top of the page, each linking to its field."""
        links = []
        for name, errors in self.errors.items():
            if name == "__all__" or name not in self.fields:
                continue
            bound = self[name]
            anchor = bound.auto_id
            if isinstance(bound.field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
                anchor = f"{bound.auto_id}_0"
            if bound.is_hidden:
                anchor = self.html_id
            links.append(
                {
                    "anchor": anchor,
                    "label": str(bound.field.label or ""),
                    "message": "; ".join(str(e) for e in errors),
                }
            )
        return links


class TakeForm(CaseActionForm):
    """Take the case in charge (or step back): nothing to type."""


class QualifyForm(CaseActionForm):
    criticity = forms.ChoiceField(
        label=_("Criticity"),
        choices=Criticity.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "Serious: affects the safety of care, the confidentiality or integrity of health "
            "data, or the normal running of the structure. Significant: also affects the "
            "departmental, regional or national health organisation or other structures "
            "(article D1111-16-2 of the public health code)."
        ),
    )
    outcomes = forms.MultipleChoiceField(
        label=_("Outcomes"), choices=Outcome.choices, widget=forms.CheckboxSelectMultiple
    )
    note = _text(_("Rationale"), required=False)


class AskForm(CaseActionForm):
    text = _text(_("Question to the declarant"), message=_("Write the question."))
    preserve_evidence = forms.BooleanField(
        label=_("This is a request to preserve evidence"), required=False
    )


class AnswerForm(CaseActionForm):
    answer = _text(_("Your answer"), message=_("Write the answer."))


class SupportModeForm(CaseActionForm):
    mode = forms.ChoiceField(
        label=_("Support mode"), choices=SupportMode.choices, widget=forms.RadioSelect
    )
    reason = _text(_("Comment"), required=False)


class TrackForm(CaseActionForm):
    kind = forms.ChoiceField(label=_("Kind of entry"))
    document = forms.ChoiceField(
        label=_("Document sent"),
        required=False,
        help_text=_(
            "For “Reflex sheet sent” and “Referenced providers list sent”: the version sent "
            "is kept with the entry. The sheets proposed first fit the incident type and the "
            "structure type; each says its reader’s competence level."
        ),
    )
    text = _text(_("Details"), required=False)

    def __init__(
        self, *args: Any, kinds: list[str], case: Case | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["kind"]
        field.choices = [(k, TrackingKind(k).label) for k in kinds]
        offered = documents.grouped_choices(case) if case is not None else []
        attachable = {k for k in kinds if documents.source_for(k) is not None}
        if not offered or not attachable:
            del self.fields["document"]
        else:
            choices: Any = [("", _("No document")), *offered]
            self.fields["document"].choices = choices
        # The kinds' labels follow from their values; the documents' from the database.
        self._fields_key = (
            tuple(kinds),
            tuple((str(group), tuple(options)) for group, options in offered)
            if "document" in self.fields
            else None,
        )

    def fields_key(self) -> tuple[Any, ...]:
        return self._fields_key


class ArsUpdateForm(CaseActionForm):
    text = _text(
        _("Progress summary for the ARS"), message=_("Summarise the progress for the ARS.")
    )


class SignificantForm(CaseActionForm):
    related = forms.TypedMultipleChoiceField(
        label=_("Similar incidents in progress to link"),
        help_text=_("Each reader of the case will see only the cases it may read."),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    reason = _text(_("Justification"), message=_("Explain why the incident is significant."))

    def __init__(self, *args: Any, similar: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [
            (
                item.case.pk,
                f"{item.case.reference} — {item.case.structure.name} "
                f"({item.case.structure.departement})",
            )
            for item in similar
        ]
        self.fields["related"].choices = choices
        if not choices:
            del self.fields["related"]
        self._fields_key = tuple(choices)

    def fields_key(self) -> tuple[Any, ...]:
        return self._fields_key


class CrisisForm(CaseActionForm):
    on = forms.TypedChoiceField(
        choices=[("1", "on"), ("0", "off")],
        coerce=lambda value: value == "1",
        widget=forms.HiddenInput,
    )
    reason = _text(_("Reason"), required=False)


class ShareForm(CaseActionForm):
    reason = _text(_("Reason"), required=False)


class EndSupportForm(CaseActionForm):
    reason = _text(_("Summary of the support given"), required=False)


class ResumeSupportForm(CaseActionForm):
    reason = _text(_("Why support resumes"), message=_("Explain why support resumes."))


class AgreeForm(CaseActionForm):
    comment = _text(_("Comment"), required=False)

    def __init__(self, *args: Any, party: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.party = Party(party)
        if self.party == Party.STRUCTURE:
            self.fields["opinion"] = forms.ChoiceField(
                label=_("How useful was the help your structure received?"),
                choices=StructureOpinion.choices,
                widget=forms.RadioSelect,
                error_messages={
                    "required": _("Give the structure's opinion of the help received.")
                },
            )
            self.fields["opinion_comment"] = _text(
                _("Your comment on the help received"), required=False
            )

    def fields_key(self) -> tuple[Any, ...]:
        return (self.party,)


class CloseForm(CaseActionForm):
    synthesis = _text(
        _("Synthesis of actions and results"),
        message=_("Write the synthesis of actions and results."),
    )
    residual_vulnerabilities = _text(_("Residual vulnerabilities"), required=False)
    residual_risks = _text(_("Residual risks"), required=False)


# --- the queue -------------------------------------------------------------------------

SORT_LABELS = {
    "-opened_at": _("Opened, newest first"),
    "opened_at": _("Opened, oldest first"),
    "structure": _("Structure"),
    "status": _("Status"),
    "ars_update_due_at": _("Next update to the ARS due"),
}
assert set(SORT_LABELS) == set(SORTS)


@cache
def _choices_sql() -> str:
    region, kind = Region._meta, IncidentType._meta
    return (
        f"SELECT 0, {col(region, 'code')}, {col(region, 'name')}, 0, {col(region, 'code')} "  # noqa: S608 (tables and columns from the models' metadata)
        f'FROM "{region.db_table}" WHERE %s '
        f"UNION ALL SELECT 1, {col(kind, 'code')}, {col(kind, 'label')}, "
        f'{col(kind, "position")}, {col(kind, "label")} FROM "{kind.db_table}" '
        "ORDER BY 1, 4, 5"
    )


def queue_filter_choices(
    with_region: bool,
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The regions (by code) and the incident types (by position, then label) the queue's
    filters offer, in one statement. The typology is public reference data: its scope
    rule lets everyone read every type (tests/cases/test_queue_filters.py holds this to
    ``IncidentType.objects.visible_to`` for every role)."""
    lists: tuple[list[tuple[str, str]], list[tuple[str, str]]] = ([], [])
    with connection.cursor() as cursor:
        cursor.execute(_choices_sql(), [with_region])
        for which, code, label, _position, _sort in cursor.fetchall():
            lists[which].append((code, label))
    return lists


class QueueFilterForm(DsfrBaseForm):
    status = forms.ChoiceField(
        required=False,
        widget=forms.HiddenInput,
        choices=[(OPEN, OPEN), *CaseStatus.choices, (ALL, ALL)],
    )
    q = forms.CharField(
        label=_("Reference, structure or FINESS number"), required=False, max_length=100
    )
    region = forms.ChoiceField(label=_("Region"), required=False)
    structure_kind = forms.ChoiceField(
        label=_("Structure type"),
        required=False,
        choices=[("", _("All types")), *StructureKind.choices],
    )
    incident_type = forms.ChoiceField(label=_("Incident type"), required=False)
    overdue = forms.BooleanField(label=_("Weekly update to the ARS late only"), required=False)
    significant = forms.BooleanField(label=_("Significant incidents only"), required=False)
    mine = forms.BooleanField(label=_("Cases I am on"), required=False)
    unhandled = forms.BooleanField(label=_("Cases nobody is on yet"), required=False)
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=SORT_LABELS.items())

    def __init__(
        self, *args: Any, user: Any, with_region: bool, staff: bool = True, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if not staff:  # a structure's people are never "on" a case: it is theirs
            del self.fields["mine"], self.fields["unhandled"]
        regions, incident_types = queue_filter_choices(with_region)
        region: Any = self.fields["region"]
        if with_region:
            region.choices = [("", _("All regions")), *regions]
        else:
            del self.fields["region"]
        incident_type: Any = self.fields["incident_type"]
        incident_type.choices = [("", _("All incident types")), *incident_types]
