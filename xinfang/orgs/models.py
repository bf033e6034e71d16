"""The organisation tree: external bodies above the district, the district, towns and streets,
villages and communities, grids, and the departments at each level."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from xinfang.core.querysets import RestrictedManager
from xinfang.core.text import in_reader_language, localized_name


class Level(models.IntegerChoices):
    """Administrative level. Petition rules speak of "this level", "one level up" and "lower levels"."""

    PROVINCE = 1, _("省级")
    CITY = 2, _("市级")
    DISTRICT = 3, _("区县级")
    TOWNSHIP = 4, _("镇街级")
    VILLAGE = 5, _("村居级")
    GRID = 6, _("网格")


class Kind(models.TextChoices):
    """What an organisation is. Areas (province … community) are territorial governments;
    departments sit under the area whose government they belong to; grids are the smallest unit."""

    PROVINCE = "province", _("省")
    CITY = "city", _("市")
    DISTRICT = "district", _("区")
    TOWN = "town", _("镇")
    STREET = "street", _("街道")
    VILLAGE = "village", _("村")
    COMMUNITY = "community", _("社区")
    GRID = "grid", _("网格")
    DEPARTMENT = "department", _("部门")


AREA_KINDS = frozenset({Kind.PROVINCE, Kind.CITY, Kind.DISTRICT, Kind.TOWN, Kind.STREET, Kind.VILLAGE, Kind.COMMUNITY})

# The level each kind of area sits at; departments and grids take theirs from the parent area.
KIND_LEVEL = {
    Kind.PROVINCE: Level.PROVINCE,
    Kind.CITY: Level.CITY,
    Kind.DISTRICT: Level.DISTRICT,
    Kind.TOWN: Level.TOWNSHIP,
    Kind.STREET: Level.TOWNSHIP,
    Kind.VILLAGE: Level.VILLAGE,
    Kind.COMMUNITY: Level.VILLAGE,
    Kind.GRID: Level.GRID,
}

# Which kinds may sit directly under which. Departments may sit under any area.
ALLOWED_PARENT_KINDS: dict[str, frozenset[str]] = {
    Kind.PROVINCE: frozenset(),
    Kind.CITY: frozenset({Kind.PROVINCE}),
    Kind.DISTRICT: frozenset({Kind.CITY}),
    Kind.TOWN: frozenset({Kind.DISTRICT}),
    Kind.STREET: frozenset({Kind.DISTRICT}),
    Kind.VILLAGE: frozenset({Kind.TOWN, Kind.STREET}),
    Kind.COMMUNITY: frozenset({Kind.TOWN, Kind.STREET}),
    Kind.GRID: frozenset({Kind.VILLAGE, Kind.COMMUNITY}),
    Kind.DEPARTMENT: frozenset(AREA_KINDS),
}


class Function(models.TextChoices):
    """The function of a department. Routing rules (litigation to the political-legal bodies,
    reports on officials to discipline inspection, XF-TRI-02) look departments up by function."""

    GOVERNMENT = "government", _("人民政府（办公室）")
    PARTY_COMMITTEE = "party_committee", _("党委（办公室）")
    PETITION_BUREAU = "petition_bureau", _("信访部门")
    POLITICAL_LEGAL = "political_legal", _("政法委")
    POLICE = "police", _("公安机关")
    PROCURATORATE = "procuratorate", _("检察院")
    COURT = "court", _("法院")
    JUSTICE = "justice", _("司法行政部门")
    DISCIPLINE = "discipline", _("纪委监委")
    CONGRESS = "congress", _("人大常委会")
    CPPCC = "cppcc", _("政协")
    ORGANISATION_DEPT = "organisation_dept", _("组织部")
    GOVERNANCE_CENTRE = "governance_centre", _("综治中心")
    MEDIATION = "mediation", _("调解组织")
    HOTLINE = "hotline", _("12345热线")
    FUNCTIONAL = "functional", _("职能部门")
    OTHER = "other", _("其他")


code_validator = RegexValidator(
    r"^[0-9A-Z][0-9A-Z-]{1,31}$",
    _("编码只能包含数字、大写字母和连字符，长度 2 至 32 位。"),
)


class Organisation(models.Model):
    """A body in the tree. `path` is a materialised path of ids ("/1/7/42/") kept by the services
    in `xinfang.orgs.services`, so that "this organisation and everything under it" is one
    indexed prefix query."""

    restrict_org_field = "pk"

    parent = models.ForeignKey(
        "self", verbose_name=_("上级"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(_("树路径"), max_length=255, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(_("深度"), default=0, editable=False)
    name = models.CharField(_("名称"), max_length=120)
    short_name = models.CharField(_("简称"), max_length=60, blank=True)
    name_en = models.CharField(_("英文名称"), max_length=200, blank=True)
    code = models.CharField(_("编码"), max_length=32, unique=True, validators=[code_validator])
    division_code = models.CharField(
        _("行政区划代码"), max_length=12, blank=True, validators=[RegexValidator(r"^\d{6,12}$")]
    )
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices, db_index=True)
    function = models.CharField(_("职能"), max_length=24, choices=Function.choices, blank=True, db_index=True)
    level = models.PositiveSmallIntegerField(_("层级"), choices=Level.choices, db_index=True)
    is_external = models.BooleanField(
        _("区外机构"),
        default=False,
        help_text=_("市、省等上级机关：可作为复查复核机关和上报对象，但不在本区管理范围内。"),
    )
    is_active = models.BooleanField(_("有效"), default=True)
    successor = models.ForeignKey(
        "self",
        verbose_name=_("承继机关"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="predecessors",
        help_text=_("机构撤并后由承继机关受理（《信访工作条例》第二十四条）。"),
    )
    phone = models.CharField(_("电话"), max_length=40, blank=True)
    email = models.EmailField(_("电子邮箱"), blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    website = models.URLField(_("网站"), blank=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = RestrictedManager["Organisation"]()

    class Meta:
        verbose_name = _("组织机构")
        verbose_name_plural = _("组织机构")
        ordering = ["path"]
        indexes = [models.Index(fields=["parent", "sort_order"])]

    def __str__(self) -> str:
        return self.name

    @property
    def local_name(self) -> str:
        """The name as the current reader should see it (English or traditional script)."""
        return localized_name(self.name, self.name_en)

    @property
    def is_area(self) -> bool:
        return self.kind in AREA_KINDS

    def ancestor_ids(self) -> list[int]:
        """Ids from the root down to the parent, read from the path (no query)."""
        return [int(part) for part in self.path.strip("/").split("/")[:-1] if part]


class ReceptionPoint(models.Model):
    """A place where petitions are received in person (XF-CH-02): address and opening hours, in
    Chinese and (optionally) in English for the English public pages."""

    restrict_org_field = "organisation"

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("所属机构"), on_delete=models.CASCADE, related_name="reception_points"
    )
    name = models.CharField(_("名称"), max_length=120)
    name_en = models.CharField(_("英文名称"), max_length=200, blank=True)
    address = models.CharField(_("地址"), max_length=200)
    address_en = models.CharField(_("地址（英文）"), max_length=300, blank=True)
    hours = models.CharField(_("接待时间"), max_length=200)
    hours_en = models.CharField(_("接待时间（英文）"), max_length=200, blank=True)
    phone = models.CharField(_("电话"), max_length=40, blank=True)
    is_active = models.BooleanField(_("有效"), default=True)

    objects = RestrictedManager["ReceptionPoint"]()

    class Meta:
        verbose_name = _("接待场所")
        verbose_name_plural = _("接待场所")
        ordering = ["organisation_id", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def local_name(self) -> str:
        """The name as the current reader should see it (English when written, else the Chinese
        name in the reader's script)."""
        return localized_name(self.name, self.name_en)

    @property
    def local_address(self) -> str:
        return in_reader_language(self.address, self.address_en)

    @property
    def local_hours(self) -> str:
        return in_reader_language(self.hours, self.hours_en)
