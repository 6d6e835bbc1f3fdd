"""django-dsfr's field templates, rendered in Python for the busiest forms.

The case page shows up to a dozen action forms; rendering their fields through the
template engine (django-dsfr's field snippet, then Django's widget, attributes and option
templates, each a template of its own) was a sixth of the page's cost. This renderer
produces the same markup for the templates below, byte for byte (classes, ids, ARIA,
errors: tests/core/test_dsfr_render.py compares it with the templates for every field of
the case page's forms), and hands every other template to django-dsfr's renderer.

Use it in a form class: ``default_renderer = LEAN_RENDERER``.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

from django.forms.boundfield import BoundField
from django.template.defaultfilters import linebreaksbr
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData, mark_safe
from dsfr.forms import DsfrDjangoTemplates
from dsfr.templatetags.dsfr_tags import dsfr_mark_optionnal_fields
from dsfr.utils import dsfr_input_class_attr


def e(value: Any) -> str:
    """``{{ value }}``: escaped unless already safe (plain text by html.escape straight
    away, which is what Django's escape does, without its lazy-text wrapper)."""
    if type(value) is str:
        return html.escape(value)
    return str(conditional_escape(value))


def lines(value: Any) -> str:
    """``{{ value|linebreaksbr }}``: escaped, line breaks as <br> (plain text straight away:
    the filter normalises \r\n and \r to \n, escapes, then replaces \n)."""
    if type(value) is str:
        return html.escape(value.replace("\r\n", "\n").replace("\r", "\n")).replace("\n", "<br>")
    return str(linebreaksbr(value, autoescape=True))


def user_name(user: Any) -> str:
    """``{{ user.get_full_name|default:user.email }}``, escaped."""
    return e(user.get_full_name() or user.email)


def _value(value: Any) -> str:
    """``{{ value|stringformat:'s' }}``: text, escaped unless already safe."""
    return e(value if isinstance(value, SafeData) else str(value))


def _attrs(attrs: dict[str, Any]) -> str:
    """django/forms/widgets/attrs.html."""
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        out.append(f" {e(name)}" if value is True else f' {e(name)}="{_value(value)}"')
    return "".join(out)


def _input(widget: dict[str, Any]) -> str:
    """django/forms/widgets/input.html (text, number, date, hidden, checkbox, ...)."""
    value = widget["value"]
    shown = f' value="{_value(value)}"' if value is not None else ""
    attrs = _attrs(widget["attrs"])
    return f'<input type="{e(widget["type"])}" name="{e(widget["name"])}"{shown}{attrs}>\n'


def _textarea(widget: dict[str, Any]) -> str:
    value = e(widget["value"]) if widget["value"] else ""
    return f'<textarea name="{e(widget["name"])}"{_attrs(widget["attrs"])}>\n{value}</textarea>\n'


def _option(widget: dict[str, Any]) -> str:
    """django/forms/widgets/select_option.html."""
    attrs = _attrs(widget["attrs"])
    return f'<option value="{_value(widget["value"])}"{attrs}>{e(widget["label"])}</option>\n'


def _select(widget: dict[str, Any]) -> str:
    out = [f'<select name="{e(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            out.append(f'\n  <optgroup label="{e(group_name)}">')
        for option in group_choices:
            out.append(f"\n  {_option(option)}")
        if group_name:
            out.append("\n  </optgroup>")
    out.append("\n</select>\n")
    return "".join(out)


def _choice_label(widget: dict[str, Any]) -> str:
    """The label of a radio button or checkbox (django-dsfr's option templates)."""
    if not widget["wrap_label"]:
        return ""
    target = widget["attrs"].get("id")
    label = widget["label"]
    rich = getattr(label, "label", None)  # a choice with its own hint
    if rich:
        text = (
            f'\n        {e(rich)}\n        <span class="fr-hint-text" id="{e(target)}_helptext">'
            f"{e(label.help_text)}</span>\n      "
        )
    else:
        text = f"\n        {e(label)}\n      "
    target = f'for="{e(target)}"' if target else ""
    return f'\n    <label class="fr-label"\n           {target}>\n      {text}\n    </label>\n  '


def _radio_option(widget: dict[str, Any]) -> str:
    """django-dsfr's django/forms/widgets/radio_option.html."""
    return f'<div class="fr-radio-group">\n  {_input(widget)}\n  {_choice_label(widget)}\n</div>\n'


def _checkbox_option(widget: dict[str, Any]) -> str:
    """django-dsfr's django/forms/widgets/checkbox_option.html."""
    grouped = widget["attrs"].get("dsfr") == "dsfr"
    opening = '<div class="fr-checkbox-group">\n  ' if grouped else ""
    closing = "\n  </div>\n" if grouped else ""
    return f"{opening}\n  {_input(widget)}\n  {_choice_label(widget)}\n  {closing}\n"


def _label_text(field: BoundField, target: str) -> str:
    """The label (or legend) text, required marker and hint of django-dsfr's snippets."""
    hint = ""
    if field.help_text:
        # ``{{ field.help_text|safe }}``, as django-dsfr: help texts are the app's own.
        hint = (
            f'\n      <span class="fr-hint-text" id="{e(target)}_helptext">'
            f"{field.help_text}</span>\n    "
        )
    marker = e(dsfr_mark_optionnal_fields(field))
    return f"\n    \n    {e(field.label)}{marker}\n    {hint}\n    \n  "


def _errors(field: BoundField, opening: str) -> str:
    if not field.errors:
        return ""
    return f"\n    {opening}\n      {e(field.errors)}\n    </div>\n  "


def _input_snippet(field: BoundField) -> str:
    """dsfr/form_field_snippets/input_snippet.html."""
    group = getattr(field.field.widget, "group_class", "") or "fr-input-group"
    classes = group
    if field.errors:
        classes += f" {group}--error"
    if field.field.disabled:
        classes += " fr-input-group--disabled"
    target = field.id_for_label
    label = _label_text(field, target)
    widget = e(dsfr_input_class_attr(field))
    errors = _errors(field, f'<div id="{e(field.auto_id)}-desc-error">')
    return (
        f'<div class="{e(classes)}">\n  <label for="{e(target)}" class="fr-label">{label}</label>'
        f"\n  {widget}\n  {errors}\n</div>"
    )


def _checkbox_snippet(field: BoundField) -> str:
    """dsfr/form_field_snippets/checkbox_snippet.html."""
    # ``field|dsfr_input_class_attr|attr:"type:checkbox"`` (widget_tweaks sets the type).
    field = dsfr_input_class_attr(field)
    field.field.widget.input_type = "checkbox"
    widget = e(field)
    classes = "fr-checkbox-group"
    if field.errors:
        classes += " fr-checkbox-group--error"
    if field.field.disabled:
        classes += " fr-input-group--disabled"
    label = _label_text(field, field.auto_id)
    errors = _errors(field, f'<div id="{e(field.auto_id)}-desc-error">')
    return (
        f'<div class="{classes} fr-mb-2w">\n  {widget}\n'
        f'  <label for="{e(field.id_for_label)}" class="fr-label">{label}</label>'
        f"\n  {errors}\n</div>"
    )


def _choices_snippet(field: BoundField, *, radio: bool) -> str:
    """dsfr/form_field_snippets/radioselect_snippet.html and
    checkboxselectmultiple_snippet.html."""
    auto_id = e(field.auto_id)
    invalid = bool(field.errors)
    error_class = " fr-fieldset--error" if invalid else ""
    if radio:
        opening = f'<fieldset class="fr-fieldset{error_class}"\n          id="radio-{auto_id}"'
        described = f" {auto_id}-desc-error" if invalid else ""
        errors = _errors(field, f'<div class="fr-messages-group" id="{auto_id}-desc-error">')
    else:
        opening = (
            f'<fieldset class="fr-fieldset{error_class} fr-fieldsets"\n'
            f'          id="checkboxes-{auto_id}"'
        )
        described = f" {auto_id}-messages" if invalid else ""
        errors = _errors(field, f'<div id="{auto_id}-desc-error">')
    label = _label_text(field, field.auto_id)
    field = dsfr_input_class_attr(field)
    inline = " fr-fieldset__element--inline" if getattr(field.field.widget, "inline", "") else ""
    options = "".join(
        f'\n      <div class="fr-fieldset__element{inline}">'
        f"\n        {e(subwidget)}\n      </div>\n    "
        for subwidget in field.subwidgets
    )
    return (
        f'{opening}\n          aria-labelledby="{auto_id}-legend{described}">\n'
        f'  <legend class="fr-fieldset__legend fr-fieldset__legend--regular"\n'
        f'          id="{auto_id}-legend">{label}</legend>'
        f"\n  \n    {options}\n  \n  {errors}\n</fieldset>"
    )


_FIELDS: dict[str, Callable[[BoundField], str]] = {
    "dsfr/form_field_snippets/input_snippet.html": _input_snippet,
    "dsfr/form_field_snippets/checkbox_snippet.html": _checkbox_snippet,
    "dsfr/form_field_snippets/radioselect_snippet.html": lambda f: _choices_snippet(f, radio=True),
    "dsfr/form_field_snippets/checkboxselectmultiple_snippet.html": lambda f: _choices_snippet(
        f, radio=False
    ),
}
_INPUTS = ["text", "number", "email", "url", "password", "hidden", "date", "datetime", "time"]
_WIDGETS: dict[str, Callable[[dict[str, Any]], str]] = {
    **{f"django/forms/widgets/{name}.html": _input for name in _INPUTS},
    "django/forms/widgets/checkbox.html": _input,
    "django/forms/widgets/textarea.html": _textarea,
    "django/forms/widgets/select.html": _select,
    "django/forms/widgets/select_option.html": _option,
    "django/forms/widgets/radio_option.html": _radio_option,
    "django/forms/widgets/checkbox_option.html": _checkbox_option,
}


class LeanRenderer(DsfrDjangoTemplates):
    """django-dsfr's renderer, with the templates above rendered in Python."""

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        field = _FIELDS.get(template_name)
        bound = context.get("field")
        if field is not None and isinstance(bound, BoundField):
            html = field(bound)
        elif template_name in _WIDGETS and _plain_options(context["widget"]):
            html = _WIDGETS[template_name](context["widget"])
        else:
            return super().render(template_name, context, request)
        # Stripped as BaseRenderer.render does; every value above is escaped.
        return mark_safe(html.strip())  # noqa: S308


def _plain_options(widget: dict[str, Any]) -> bool:
    """A select whose options have a template of their own keeps Django's templates."""
    return all(
        option["template_name"] == "django/forms/widgets/select_option.html"
        for _name, options, _index in widget.get("optgroups", ())
        for option in options
    )


# One instance: its template engine (for what stays in templates) is built once.
LEAN_RENDERER = LeanRenderer()
