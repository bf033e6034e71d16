"""The default classified-handling list (依法分类处理清单, H2): the tracks of 条例 Arts. 29-31 and
the legal channels of regulations.md §4. Loaded by migration 0007; administrators edit the rows
afterwards (the admin), so this table is only the starting point. Names are stored data in
simplified Chinese with an English name, like organisations."""

from __future__ import annotations

from typing import Any

# code, name, English name, procedure, legal basis, receiving body, petitioner period, unit, order
DEFAULT_TRACKS: tuple[tuple[str, str, str, str, str, str, int | None, str, int], ...] = (
    (
        "petition",
        "按信访程序办理（出具信访处理意见书）",
        "Handled as a petition (written handling opinion)",
        "petition",
        "《信访工作条例》第三十一条第六项、第三十二条、第三十四条",
        "",
        None,
        "calendar",
        10,
    ),
    (
        "suggestion",
        "建议意见类：研究论证后答复",
        "Suggestion or opinion: studied and answered",
        "reply",
        "《信访工作条例》第二十九条",
        "",
        None,
        "calendar",
        20,
    ),
    (
        "report",
        "检举控告类：纪检监察机关或有权机关依规依纪依法处理",
        "Report or accusation: discipline inspection",
        "discipline",
        "《信访工作条例》第三十条",
        "纪检监察机关",
        None,
        "calendar",
        30,
    ),
    (
        "litigation",
        "导入诉讼程序",
        "Routed into litigation",
        "statutory",
        "《信访工作条例》第三十一条第一项",
        "人民法院",
        None,
        "calendar",
        40,
    ),
    (
        "procuratorial",
        "导入检察机关法律监督程序",
        "Routed into the procuratorate's legal supervision",
        "statutory",
        "《信访工作条例》第三十一条第一项",
        "人民检察院",
        None,
        "calendar",
        45,
    ),
    (
        "arbitration",
        "导入仲裁程序",
        "Routed into arbitration",
        "statutory",
        "《信访工作条例》第三十一条第二项",
        "仲裁委员会",
        None,
        "calendar",
        50,
    ),
    (
        "labour_arbitration",
        "导入劳动人事争议仲裁",
        "Routed into labour dispute arbitration",
        "statutory",
        "《信访工作条例》第三十一条第二项；《劳动争议调解仲裁法》第二十七条",
        "劳动人事争议仲裁委员会",
        1,
        "year",
        55,
    ),
    (
        "admin_reconsideration",
        "导入行政复议程序",
        "Routed into administrative reconsideration",
        "statutory",
        "《信访工作条例》第三十一条第四项；《行政复议法》第二十条",
        "行政复议机关",
        60,
        "calendar",
        60,
    ),
    (
        "admin_procedure",
        "导入行政裁决、行政确认、行政许可、行政处罚等行政程序",
        "Routed into another administrative procedure",
        "statutory",
        "《信访工作条例》第三十一条第四项",
        "有权行政机关",
        None,
        "calendar",
        65,
    ),
    (
        "party_appeal",
        "导入党员申诉、申请复审程序",
        "Routed into a Party member's appeal or re-examination",
        "statutory",
        "《信访工作条例》第三十一条第三项",
        "党组织、纪检监察机关",
        None,
        "calendar",
        70,
    ),
    (
        "duty_performance",
        "依法履行职责或者答复",
        "Duty performed or answered under the law",
        "statutory",
        "《信访工作条例》第三十一条第五项",
        "有权机关",
        None,
        "calendar",
        75,
    ),
    (
        "people_mediation",
        "导入人民调解",
        "Routed into people's mediation",
        "statutory",
        "《人民调解法》；《信访工作条例》第三十三条",
        "人民调解委员会",
        None,
        "calendar",
        80,
    ),
    (
        "legal_aid",
        "导入法律援助",
        "Routed into legal aid",
        "statutory",
        "《法律援助法》第四十三条",
        "法律援助机构",
        None,
        "calendar",
        90,
    ),
    (
        "other_statutory",
        "导入其他法定程序",
        "Routed into another statutory procedure",
        "statutory",
        "《信访工作条例》第三十一条",
        "",
        None,
        "calendar",
        99,
    ),
)

# English of each default track's legal basis and receiving body (for the English guidance map).
DEFAULT_TRACKS_EN: dict[str, tuple[str, str]] = {
    "petition": ("Regulations on Petition Work, Arts. 31(6), 32 and 34", ""),
    "suggestion": ("Regulations on Petition Work, Art. 29", ""),
    "report": ("Regulations on Petition Work, Art. 30", "Discipline inspection and supervision commission"),
    "litigation": ("Regulations on Petition Work, Art. 31(1)", "People's court"),
    "procuratorial": ("Regulations on Petition Work, Art. 31(1)", "People's procuratorate"),
    "arbitration": ("Regulations on Petition Work, Art. 31(2)", "Arbitration commission"),
    "labour_arbitration": (
        "Regulations on Petition Work, Art. 31(2); Labour Dispute Mediation and Arbitration Law, Art. 27",
        "Labour and personnel dispute arbitration commission",
    ),
    "admin_reconsideration": (
        "Regulations on Petition Work, Art. 31(4); Administrative Reconsideration Law, Art. 20",
        "Administrative reconsideration body",
    ),
    "admin_procedure": ("Regulations on Petition Work, Art. 31(4)", "Competent administrative authority"),
    "party_appeal": (
        "Regulations on Petition Work, Art. 31(3)",
        "Party organisation; discipline inspection and supervision commission",
    ),
    "duty_performance": ("Regulations on Petition Work, Art. 31(5)", "Competent authority"),
    "people_mediation": (
        "People's Mediation Law; Regulations on Petition Work, Art. 33",
        "People's mediation committee",
    ),
    "legal_aid": ("Legal Aid Law, Art. 43", "Legal aid institution"),
    "other_statutory": ("Regulations on Petition Work, Art. 31", ""),
}


def tracks_english_fill(model: Any = None) -> int:
    """Fill the English legal basis and receiving body of default tracks where they are blank
    (an administrator's own wording is kept). Returns how many rows changed."""
    if model is None:
        from .models_handling import HandlingTrack as model
    changed = 0
    for track in model.objects.filter(code__in=DEFAULT_TRACKS_EN):
        basis_en, body_en = DEFAULT_TRACKS_EN[track.code]
        fields = []
        if not track.legal_basis_en and basis_en:
            track.legal_basis_en = basis_en
            fields.append("legal_basis_en")
        if not track.receiving_body_hint_en and body_en:
            track.receiving_body_hint_en = body_en
            fields.append("receiving_body_hint_en")
        if fields:
            track.save(update_fields=fields)
            changed += 1
    return changed


def tracks_seed(model: Any = None) -> int:
    """Create the default tracks that are missing (rows already there are left as edited). `model`
    is the historical model in a migration; the real one otherwise. Returns how many were created."""
    if model is None:
        from .models_handling import HandlingTrack as model
    created = 0
    for code, name, name_en, procedure, basis, body, period, unit, order in DEFAULT_TRACKS:
        _track, was_created = model.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": name_en,
                "procedure": procedure,
                "legal_basis": basis,
                "receiving_body_hint": body,
                "petitioner_period": period,
                "petitioner_period_unit": unit,
                "sort_order": order,
            },
        )
        created += was_created
    tracks_english_fill(model)
    return created
