"""The upload form of an import: kind, organisation (those the user registers for), file and the
dry-run switch (on by default), with a signed one-time token (`xinfang.core.formguard`) whose
nonce is the job's submission key: the same form sent twice starts one job."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from xinfang.core.formguard import FormTokenError, token_issue, token_nonce
from xinfang.orgs.models import Organisation

from . import conf
from .models import ImportKind
from .policies import needs_organisation

FORM_SALT = "xinfang.transfer.import-form"


def issue_token() -> str:
    return token_issue(salt=FORM_SALT)


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=_("导入类型"), choices=ImportKind.choices)
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        label=_("导入机构"),
        required=False,
        empty_label=_("（权责清单无需选择）"),
        help_text=_("信访事项以该机构的名义登记；信访人以该机构的权限导入。"),
    )
    file = forms.FileField(label=_("文件"))
    dry_run = forms.BooleanField(
        label=_("试导入（只检查，不写入）"),
        required=False,
        initial=True,
        help_text=_("先试导入：检查每一行并报告将会导入的数量，不写入任何数据；没有错误时可以一键正式导入。"),
    )
    token = forms.CharField(widget=forms.HiddenInput, max_length=200)

    def __init__(self, *args: Any, kinds: list[str], organisations: list[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind_field = cast(forms.ChoiceField, self.fields["kind"])
        kind_field.choices = [(value, label) for value, label in ImportKind.choices if value in kinds]
        organisation_field = cast(forms.ModelChoiceField, self.fields["organisation"])
        organisation_field.queryset = Organisation.objects.filter(pk__in=[o.pk for o in organisations]).order_by("path")
        self.fields["file"].help_text = _("CSV（UTF-8 或 GBK 编码）或 Excel（.xlsx）文件，不超过%(size)s。") % {
            "size": filesizeformat(conf.max_bytes())
        }
        self.fields["file"].widget.attrs.update({"accept": ".csv,.xlsx", "class": "form-control"})
        self.fields["kind"].widget.attrs["class"] = "form-select"
        self.fields["organisation"].widget.attrs["class"] = "form-select"
        self.fields["dry_run"].widget.attrs["class"] = "form-check-input"

    def clean_token(self) -> str:
        try:
            return token_nonce(
                self.cleaned_data["token"], salt=FORM_SALT, min_seconds=0, max_age=conf.form_max_age_seconds()
            )
        except FormTokenError:
            raise forms.ValidationError(_("表单已过期，请重新选择文件并提交。"), code="token") from None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("kind")
        if kind and needs_organisation(kind) and not data.get("organisation"):
            self.add_error("organisation", _("请选择导入的机构。"))
        if kind and not needs_organisation(kind):
            data["organisation"] = None
        return data
