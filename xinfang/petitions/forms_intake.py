"""The counter form (登记): asks for what the law requires (XF-REG-01) — channel, received time,
the petitioner's name and address (or an anonymous report), request, facts, reasons, and the
recorder of an oral petition — with everything else optional. Builds a `MatterData`; the service
validates again and its errors are shown next to the fields they concern."""

from __future__ import annotations

import re
import uuid
from typing import Any, cast

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xinfang.accounts.roles import Action
from xinfang.core.ids import id_from_text
from xinfang.orgs.models import Organisation

from .models import Matter, Petitioner
from .selectors_intake import intake_places, petitioner_get
from .services.intake import ORAL_CHANNELS, LinkDecision, MatterData, PetitionerData
from .states import Channel, LinkKind, Nature, ParticipantRole, PetitionerKind, Source

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
_SEPARATORS = re.compile(r"[\s,，、;；]+")
_ID_TOKEN = re.compile(r"\d{15}|\d{17}[\dXx]")
_PHONE_TOKEN = re.compile(r"\+?[\d\-]{7,20}")

# Service error keys -> form fields (anything else is shown above the form).
SERVICE_FIELD_MAP = {
    "channel": "channel",
    "source": "source",
    "received_at": "received_at",
    "title": "title",
    "request": "request",
    "facts": "facts",
    "reasons": "reasons",
    "is_anonymous": "is_anonymous",
    "petitioners": "petitioner_name",
    "petitioners.0.name": "petitioner_name",
    "group_size": "group_size",
    "place_org": "place_org",
    "place_text": "place_text",
    "oral_recorded_by": "oral_recorded_by",
    "hotline_order_ref": "hotline_order_ref",
    "attachments": "attachments",
    "links": "link_choice",
}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented recipe); cleans to a list."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class PlaceChoiceField(forms.ModelChoiceField):
    """Places indented by their depth below the district, so villages and grids read as a tree."""

    def label_from_instance(self, obj: Any) -> str:
        return "　" * max(obj.depth - 3, 0) + obj.local_name


def parse_people(text: str, role: str) -> list[PetitionerData]:
    """One person per line: the name first, then (in any order) an ID number, a phone number and an
    address, separated by spaces or commas. Blank lines are skipped."""
    people = []
    for line in (text or "").splitlines():
        tokens = [t for t in _SEPARATORS.split(line.strip()) if t]
        if not tokens:
            continue
        person = PetitionerData(name=tokens[0][:100], role=role)
        rest = []
        for token in tokens[1:]:
            if not person.id_number and _ID_TOKEN.fullmatch(token):
                person.id_number = token
            elif not person.phone and _PHONE_TOKEN.fullmatch(token):
                person.phone = token
            else:
                rest.append(token)
        person.address = " ".join(rest)[:200]
        people.append(person)
    return people


def new_submission_key() -> str:
    """A one-time key per form shown: a second submit of the same form registers nothing new."""
    return uuid.uuid4().hex


class MatterIntakeForm(forms.Form):
    """The counter form. `organisations` are those the clerk registers for (a select if several)."""

    organisation = forms.ModelChoiceField(queryset=Organisation.objects.none(), label=_("登记机关"), empty_label=None)
    channel = forms.ChoiceField(choices=[("", _("请选择")), *Channel.choices], label=_("渠道"))
    received_at = forms.DateTimeField(
        label=_("收到时间"),
        input_formats=[DATETIME_FORMAT, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT),
    )
    oral_recorded_by = forms.CharField(
        label=_("记录人"),
        required=False,
        max_length=60,
        help_text=_("走访、电话等口头提出的，应如实记录并注明记录人（《信访工作条例》第十九条）。"),
    )
    is_anonymous = forms.BooleanField(
        label=_("匿名检举控告"), required=False, help_text=_("只有检举控告类事项可以匿名提出。")
    )
    petitioner_name = forms.CharField(label=_("信访人姓名或名称"), required=False, max_length=100)
    petitioner_address = forms.CharField(label=_("住址"), required=False, max_length=200)
    name_or_address_unclear = forms.BooleanField(
        label=_("姓名或住址不清"),
        required=False,
        help_text=_("姓名（名称）、住址不清的，无需书面告知（第二十三条第二款）。"),
    )
    petitioner_kind = forms.ChoiceField(
        label=_("信访人类型"), choices=PetitionerKind.choices, initial=PetitionerKind.PERSON, required=False
    )
    petitioner_id_number = forms.CharField(label=_("证件号码"), required=False, max_length=32)
    petitioner_phone = forms.CharField(label=_("联系电话"), required=False, max_length=32)
    # Chosen among the lookup's results (radio buttons rendered by the lookup fragment).
    petitioner_existing = forms.CharField(required=False, max_length=20)
    request = forms.CharField(label=_("诉求"), widget=forms.Textarea(attrs={"rows": 3}))
    facts = forms.CharField(label=_("事实"), widget=forms.Textarea(attrs={"rows": 4}))
    reasons = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 3}))
    # Chosen among the repeat proposals ("<matter pk>:<link kind>").
    link_choice = forms.CharField(required=False, max_length=40)
    link_reason = forms.CharField(
        label=_("决定理由"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("选择了重复事项的处理决定时必填。"),
    )
    title = forms.CharField(label=_("标题"), required=False, max_length=120, help_text=_("不填则取诉求的开头。"))
    source = forms.ChoiceField(label=_("来源"), choices=Source.choices, initial=Source.COUNTER)
    hotline_order_ref = forms.CharField(label=_("12345工单号"), required=False, max_length=40)
    place_org = PlaceChoiceField(
        queryset=Organisation.objects.none(),
        label=_("发生地（镇街、村居、网格）"),
        required=False,
        error_messages={
            "invalid_choice": _("发生地应为本区范围内的镇街、村（社区）或网格，不能选择范围外的机构或部门。")
        },
    )
    place_text = forms.CharField(label=_("详细地点"), required=False, max_length=200)
    nature_hint = forms.ChoiceField(
        label=_("性质（初步判断）"), choices=[("", _("暂不判断")), *Nature.choices], required=False
    )
    group_size = forms.IntegerField(label=_("人数"), min_value=1, max_value=100000, initial=1)
    representatives = forms.CharField(
        label=_("其他推选代表"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "多人走访的，每行一人：姓名、证件号码、电话，以空格分隔。上面填写的信访人计为代表之一，"
            "代表合计不超过5人（《信访工作条例》第二十条第三款）。"
        ),
    )
    participants = forms.CharField(
        label=_("其他参与人"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("每行一人：姓名、证件号码、电话，可不填。"),
    )
    attachments = MultipleFileField(label=_("附件"), required=False)
    submission_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    # Fields shown in the collapsed sections (opened when one of them has a value or an error).
    PETITIONER_MORE = ("petitioner_kind", "petitioner_id_number", "petitioner_phone")
    MATTER_MORE = (
        "title",
        "source",
        "hotline_order_ref",
        "place_org",
        "place_text",
        "nature_hint",
        "group_size",
        "representatives",
        "participants",
        "attachments",
    )

    def __init__(self, *args: Any, user: Any, organisations: list[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.organisations = organisations
        organisation_field = cast(forms.ModelChoiceField, self.fields["organisation"])
        organisation_field.queryset = Organisation.objects.filter(pk__in=[o.pk for o in organisations])
        if len(organisations) == 1:
            organisation_field.widget = forms.HiddenInput()
        place_field = cast(forms.ModelChoiceField, self.fields["place_org"])
        place_field.queryset = intake_places(user=user, organisation=self.current_organisation())
        self.fields["attachments"].help_text = _("PDF、JPEG、PNG 或纯文本文件，每个不超过%(size)s。") % {
            "size": filesizeformat(settings.XINFANG_ATTACHMENT_MAX_BYTES)
        }
        for name, field in self.fields.items():
            if isinstance(field.widget, forms.CheckboxInput):
                field.widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(field.widget, forms.Select):
                field.widget.attrs.setdefault("class", "form-select")
            elif not isinstance(field.widget, forms.HiddenInput):
                field.widget.attrs.setdefault("class", "form-control")
            if name in ("request", "facts", "reasons", "channel", "received_at"):
                field.widget.attrs["required"] = "required"
        self.fields["petitioner_id_number"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})
        self.fields["petitioner_phone"].widget.attrs.update({"autocomplete": "off", "inputmode": "tel"})
        self.fields["group_size"].widget.attrs["inputmode"] = "numeric"
        # Typing in these refreshes the petitioner lookup / the repeat proposals (htmx, see templates).
        for name in ("petitioner_name", "petitioner_id_number", "petitioner_phone"):
            self.fields[name].widget.attrs["class"] += " xf-lookup-source"
        for name in (
            "petitioner_name",
            "petitioner_address",
            "petitioner_id_number",
            "petitioner_phone",
            "request",
            "facts",
            "title",
            "hotline_order_ref",
        ):
            self.fields[name].widget.attrs["class"] += " xf-repeat-source"

    @classmethod
    def initial_for(cls, *, user: Any, organisations: list[Organisation]) -> dict[str, Any]:
        """A fresh form: received now, recorded by the clerk, a new one-time key."""
        return {
            "organisation": organisations[0].pk if organisations else None,
            "received_at": timezone.localtime().replace(second=0, microsecond=0),
            "oral_recorded_by": str(user)[:60],
            "source": Source.COUNTER,
            "group_size": 1,
            "submission_key": new_submission_key(),
        }

    # --- helpers used by the view and the fragments (work on raw data, before validation) --------

    def raw(self, name: str) -> str:
        value = self.data.get(name, "") if self.is_bound else self.initial.get(name, "")
        return str(value or "").strip()

    def current_organisation(self) -> Organisation:
        """The organisation chosen (or the first one), from raw data: for places and proposals."""
        chosen = self.raw("organisation")
        for org in self.organisations:
            if str(org.pk) == chosen:
                return org
        return self.organisations[0]

    def more_open(self, names: tuple[str, ...]) -> bool:
        """Open a collapsed section when one of its fields has a value or an error."""
        defaults = {"source": Source.COUNTER, "group_size": "1", "petitioner_kind": PetitionerKind.PERSON}
        for name in names:
            if self.is_bound and self.errors.get(name):
                return True
            value = self.raw(name)
            if value and value != defaults.get(name, ""):
                return True
        return False

    def petitioner_more_open(self) -> bool:
        return self.more_open(self.PETITIONER_MORE)

    def matter_more_open(self) -> bool:
        return self.more_open(self.MATTER_MORE)

    def selected_petitioner_id(self) -> int | None:
        return id_from_text(self.raw("petitioner_existing"))

    def lookup_query(self) -> str:
        """What the petitioner lookup searches for: the ID number, else the phone, else the name."""
        for name in ("petitioner_id_number", "petitioner_phone", "petitioner_name"):
            if self.raw(name):
                return self.raw(name)
        return ""

    def partial_matter_data(self) -> MatterData:
        """A lenient MatterData from what has been typed so far (for the repeat proposals)."""
        people = []
        existing = self._visible_petitioner(self.selected_petitioner_id())
        if existing is not None:
            people.append(PetitionerData(existing=existing))
        elif self.raw("petitioner_name") or self.raw("petitioner_id_number") or self.raw("petitioner_phone"):
            people.append(
                PetitionerData(
                    name=self.raw("petitioner_name"),
                    address=self.raw("petitioner_address"),
                    id_number=self.raw("petitioner_id_number"),
                    phone=self.raw("petitioner_phone"),
                )
            )
        people += parse_people(self.raw("representatives"), ParticipantRole.REPRESENTATIVE)
        return MatterData(
            channel=self.raw("channel"),
            received_at=timezone.now(),
            title=self.raw("title"),
            request=self.raw("request"),
            facts=self.raw("facts"),
            petitioners=people,
            hotline_order_ref=self.raw("hotline_order_ref"),
        )

    def selected_link(self) -> tuple[int, str] | None:
        return _link_choice(self.raw("link_choice"))

    def _visible_petitioner(self, pk: int | None) -> Petitioner | None:
        if pk is None:
            return None
        try:
            return petitioner_get(user=self.user, pk=pk)
        except Petitioner.DoesNotExist:
            return None

    # --- validation ---------------------------------------------------------------------------

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        anonymous = data.get("is_anonymous")
        channel = data.get("channel")
        if channel in ORAL_CHANNELS and not data.get("oral_recorded_by"):
            self.add_error(
                "oral_recorded_by", _("口头提出的信访事项，请注明记录人（《信访工作条例》第十九条，XF-REG-01）。")
            )
        self._existing: Petitioner | None = None
        if anonymous:
            data["nature_hint"] = Nature.REPORT  # only reports may be anonymous (XF-REG-01)
            if self.raw("representatives") or self.raw("participants"):
                self.add_error("representatives", _("匿名事项不填写代表和参与人。"))
        elif self.raw("petitioner_existing"):
            self._existing = self._visible_petitioner(self.selected_petitioner_id())
            if self._existing is None:
                self.add_error("petitioner_name", _("所选信访人不存在或不在您的查看范围内，请重新查找。"))
        else:
            if not data.get("petitioner_name"):
                self.add_error("petitioner_name", _("请填写信访人姓名或名称（《信访工作条例》第十九条）。"))
            if not data.get("petitioner_address") and not data.get("name_or_address_unclear"):
                self.add_error(
                    "petitioner_address",
                    _("请填写住址（《信访工作条例》第十九条）；住址不清的，请勾选“姓名或住址不清”。"),
                )
        self._representatives = parse_people(data.get("representatives", ""), ParticipantRole.REPRESENTATIVE)
        self._participants = parse_people(data.get("participants", ""), ParticipantRole.PARTICIPANT)
        limit = settings.XINFANG_MAX_REPRESENTATIVES
        if not anonymous and 1 + len(self._representatives) > limit:
            self.add_error(
                "representatives",
                _("多人走访应推选代表，代表人数不超过%(limit)d人（《信访工作条例》第二十条第三款，XF-VIS-03）。")
                % {"limit": limit},
            )
        self._link: LinkDecision | None = None
        if self.raw("link_choice"):
            selected = self.selected_link()
            other = None
            if selected is not None and selected[1] != LinkKind.HOTLINE_ORDER:
                other = (
                    Matter.objects.restrict(self.user, Action.MATTER_VIEW)
                    .select_related("current_org")
                    .filter(pk=selected[0])
                    .first()
                )
            if other is None or selected is None:
                self.add_error("link_choice", _("所选事项不存在或不在您的查看范围内。"))
            elif not data.get("link_reason", "").strip():
                self.add_error("link_reason", _("请写明作出此决定的理由。"))
            else:
                self._link = LinkDecision(other=other, kind=selected[1], reason=data["link_reason"])
        return data

    def matter_data(self) -> MatterData:
        """The validated form as the service's input."""
        data = self.cleaned_data
        people: list[PetitionerData] = []
        if not data["is_anonymous"]:
            group = data["group_size"] > 1 or bool(self._representatives)
            role = ParticipantRole.REPRESENTATIVE if group else ParticipantRole.PETITIONER
            if self._existing is not None:
                people.append(PetitionerData(existing=self._existing, role=role))
            else:
                people.append(
                    PetitionerData(
                        name=data["petitioner_name"],
                        kind=data.get("petitioner_kind") or PetitionerKind.PERSON,
                        id_number=data["petitioner_id_number"],
                        phone=data["petitioner_phone"],
                        address=data["petitioner_address"],
                        role=role,
                    )
                )
            people += self._representatives + self._participants
        return MatterData(
            channel=data["channel"],
            received_at=data["received_at"],
            title=data["title"],
            request=data["request"],
            facts=data["facts"],
            reasons=data["reasons"],
            source=data["source"],
            petitioners=people,
            is_anonymous=bool(data["is_anonymous"]),
            nature_hint=data.get("nature_hint") or "",
            place_org=data.get("place_org"),
            place_text=data["place_text"],
            oral_recorded_by=data["oral_recorded_by"],
            group_size=data["group_size"],
            hotline_order_ref=data["hotline_order_ref"],
            name_or_address_unclear=bool(data["name_or_address_unclear"]),
            submission_key=data["submission_key"],
            attachments=list(data.get("attachments") or []),
            links=[self._link] if self._link is not None else [],
        )

    def add_service_errors(self, exc: ValidationError) -> None:
        """Show a service's ValidationError next to the fields it concerns."""
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc)
            return
        for key, errors in exc.error_dict.items():
            name = SERVICE_FIELD_MAP.get(key)
            if name is None and key.startswith("petitioners."):
                name = "representatives"
            self.add_error(name if name in self.fields else None, errors)


class LinkDecisionForm(forms.Form):
    """A decision on a proposal for a registered matter (its repeats page)."""

    link_choice = forms.CharField(label=_("处理决定"), max_length=40)
    link_reason = forms.CharField(
        label=_("决定理由"), widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"})
    )

    def selected_link(self) -> tuple[int, str] | None:
        return _link_choice(self.cleaned_data.get("link_choice") or "")


class AttachmentForm(forms.Form):
    """One file added to a registered matter."""

    file = forms.FileField(label=_("附件"), widget=forms.ClearableFileInput(attrs={"class": "form-control"}))


def _link_choice(value: str) -> tuple[int, str] | None:
    """ "<matter id>:<link kind>" as the repeat panels post it, or None when it names nothing."""
    pk, _sep, kind = value.partition(":")
    matter_id = id_from_text(pk)
    return (matter_id, kind) if matter_id is not None and kind in LinkKind.values else None
