"""Pages of the category classifier: the suggestion card included in the triage page (its context
is built by `suggestion_context`, the one hook in the petitions triage view), the clerk's choice
(a POST carrying a signed token: the triage view has already checked that the clerk may see the
matter; the service checks `matter.triage` at the matter's organisation again), and the editable
label mapping (`powerlist.manage`)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from xinfang.accounts.policies import require
from xinfang.accounts.roles import Action
from xinfang.core.errors import put_errors
from xinfang.orgs.models import Organisation

from .classifier_selectors import label_mappings
from .classifier_services import (
    CategorySuggestion,
    category_suggest,
    classifier_choice_record,
    label_mapping_delete,
    label_mapping_set,
)
from .models import LabelMapping

TOKEN_SALT = "xinfang.textmining.classify.choose"  # noqa: S105 (a signing namespace, not a secret)
TOKEN_MAX_AGE = 24 * 3600
SELECT = forms.Select(attrs={"class": "form-select"})
TEXT = forms.TextInput(attrs={"class": "form-control"})


@dataclass(frozen=True)
class SuggestionContext:
    """The triage page's card: the suggestion and the signed token of its choice form."""

    suggestion: CategorySuggestion
    token: str
    initial: str


def suggestion_context(
    *,
    object_type: str,
    object_id: int,
    org: Organisation,
    text: str,
    area: Organisation | None = None,
    at: datetime.datetime | datetime.date | None = None,
    next_url: str = "",
) -> SuggestionContext:
    """Everything the card `textmining/classify/_suggestion.html` needs, for the calling view."""
    on_date = timezone.localdate(at) if isinstance(at, datetime.datetime) else at
    suggestion = category_suggest(
        text=text, org=org, area=area, on_date=on_date, object_type=object_type, object_id=object_id
    )
    prediction = suggestion.prediction
    token = signing.dumps(
        {
            "t": object_type,
            "i": object_id,
            "o": org.pk,
            "s": prediction.label if prediction else "",
            "c": round(prediction.confidence, 4) if prediction else None,
            "m": suggestion.model_sha256,
            "l": list(suggestion.choices),
            "n": next_url,
        },
        salt=TOKEN_SALT,
        compress=True,
    )
    initial = suggestion.chosen or (prediction.label if prediction else "")
    return SuggestionContext(suggestion=suggestion, token=token, initial=initial)


@login_required
@require_POST
def classify_choose_view(request: HttpRequest) -> HttpResponse:
    """Store the clerk's label for the matter named by the signed token, then go back."""
    try:
        data = signing.loads(request.POST.get("token", ""), salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature:
        return HttpResponseBadRequest(_("页面已过期，请刷新后重试。"))
    org = Organisation.objects.filter(pk=data["o"]).first()
    if org is None:
        raise Http404
    chosen = request.POST.get("chosen_label", "").strip()
    back = data.get("n") or "/"
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = "/"
    if data["l"] and chosen not in data["l"]:
        messages.error(request, _("请从列出的分类中选择。"))
        return redirect(back)
    try:
        classifier_choice_record(
            actor=request.user,
            object_type=data["t"],
            object_id=int(data["i"]),
            organisation=org,
            chosen_label=chosen,
            suggested_label=data["s"],
            confidence=data["c"],
            model_sha256=data["m"],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("已记录分类“%(label)s”。") % {"label": chosen})
    return redirect(back)


# --- label mapping -----------------------------------------------------------------------------


class MappingForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=gettext_lazy("所属机关"), queryset=Organisation.objects.none(), widget=SELECT
    )
    label = forms.CharField(label=gettext_lazy("分类标签"), max_length=100, widget=TEXT)
    category = forms.CharField(label=gettext_lazy("统计类别"), max_length=100, required=False, widget=TEXT)
    matter_type_code = forms.CharField(label=gettext_lazy("事项类型编码"), max_length=32, required=False, widget=TEXT)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Organisation.objects.restrict(user, Action.POWERLIST_MANAGE).filter(is_active=True)


@login_required
def classify_mappings_view(request: HttpRequest) -> HttpResponse:
    """The label mapping: each label to a statistical category and a matter type (A3, A4)."""
    require(request.user, Action.POWERLIST_MANAGE)
    form = MappingForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            label_mapping_set(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            put_errors(form, exc)
        else:
            messages.success(request, _("已保存分类标签对照。"))
            return redirect("textmining:classify_mappings")
    context = {"form": form, "mappings": label_mappings(user=request.user)}
    return render(request, "textmining/classify/mappings.html", context)


@login_required
@require_POST
def classify_mapping_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    mapping = LabelMapping.objects.restrict(request.user, Action.POWERLIST_MANAGE).filter(pk=pk).first()
    if mapping is None:
        raise Http404
    label_mapping_delete(actor=request.user, mapping=mapping)
    messages.success(request, _("已删除分类标签对照。"))
    return redirect("textmining:classify_mappings")
