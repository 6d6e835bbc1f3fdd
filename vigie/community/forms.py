from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from dsfr.forms import DsfrBaseForm


class ThreadForm(DsfrBaseForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 6}))


class PostForm(DsfrBaseForm):
    body = forms.CharField(label=_("Your reply"), widget=forms.Textarea(attrs={"rows": 5}))


class CommentForm(DsfrBaseForm):
    body = forms.CharField(label=_("Your comment"), widget=forms.Textarea(attrs={"rows": 4}))


class HideForm(DsfrBaseForm):
    reason = forms.CharField(label=_("Reason"), max_length=500)


class LockForm(DsfrBaseForm):
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)
