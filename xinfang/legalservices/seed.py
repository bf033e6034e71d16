"""The six kinds of service of the one-stop platform (P1), as first seeded by the data migration.
Administrators edit them in the admin afterwards; seeding never overwrites an existing kind.

Time limits (regulations.md §8): legal aid D38 (《法律援助法》第四十三条: decide within 7 days of
receiving the application), notarisation D41 (《公证法》第三十条: 15 working days from acceptance),
people's mediation D35 (《人民调解工作若干规定》第三十三条: generally concluded within one month).
Stored text is data in simplified Chinese with an English version; zh-hant readers see OpenCC's
conversion (docs/i18n.md)."""

# ruff: noqa: E501 - the texts read best one a line

from __future__ import annotations

from typing import Any

KIND_ROWS: tuple[dict[str, Any], ...] = (
    {
        "code": "consultation",
        "sort_order": 10,
        "name": "法律咨询",
        "name_en": "Legal consultation",
        "description": "律师、基层法律服务工作者或司法所工作人员免费解答您的法律问题，告诉您有哪些解决途径、各自的时限和需要准备的材料。",
        "description_en": "A lawyer, a grassroots legal-service worker or a justice-office officer answers your legal question free of charge and tells you which ways of resolving it are open to you, their time limits and what to prepare.",
        "legal_basis": "《法律援助法》（法律咨询是法律援助的服务形式之一）",
        "legal_basis_en": "Legal Aid Law (legal consultation is one of the forms of legal aid)",
        "what_to_bring": "身份证件；与问题有关的合同、票据、通知书、照片等材料（复印件即可）。",
        "what_to_bring_en": "Your identity document; contracts, receipts, notices, photos or other papers about the question (copies are enough).",
        "time_limit_text": "一般当场解答；问题复杂的，与您约定时间答复。",
        "time_limit_text_en": "Usually answered on the spot; for a complex question a time is agreed with you.",
        "limit_period": None,
        "limit_unit": "",
        "limit_from": "",
    },
    {
        "code": "people_mediation",
        "sort_order": 20,
        "name": "人民调解",
        "name_en": "People's mediation",
        "description": "人民调解委员会在双方自愿的前提下免费调解邻里、婚姻家庭、损害赔偿、劳动报酬等民间纠纷。达成的调解协议具有法律约束力；双方可以自协议生效之日起三十日内共同向人民法院申请司法确认。",
        "description_en": "A people's mediation committee mediates disputes between neighbours, in families, over compensation, wages and the like, free of charge and only if both sides agree. A mediation agreement is legally binding; both sides may jointly apply to the court for judicial confirmation within 30 days of the agreement taking effect.",
        "legal_basis": "《人民调解法》第十七条、第三十一条、第三十三条",
        "legal_basis_en": "People's Mediation Law, Articles 17, 31 and 33",
        "what_to_bring": "身份证件；对方当事人的姓名和联系方式；与纠纷有关的证据材料。",
        "what_to_bring_en": "Your identity document; the other party's name and contact details; evidence about the dispute.",
        "time_limit_text": "一般在一个月内调结（《人民调解工作若干规定》第三十三条）；任何一方都可以随时终止调解。",
        "time_limit_text_en": "Mediation is generally concluded within one month (Provisions on People's Mediation Work, Article 33); either side may end it at any time.",
        "limit_period": 1,
        "limit_unit": "month",
        "limit_from": "acceptance",
    },
    {
        "code": "admin_mediation",
        "sort_order": 30,
        "name": "行政调解",
        "name_en": "Administrative mediation",
        "description": "行政机关在当事人自愿的前提下，调解与其管理事项有关的民事纠纷（如治安、交通、消费、土地权属纠纷）以及依法可以调解的行政争议。",
        "description_en": "A government body mediates, if the parties agree, civil disputes connected with matters it administers (for example public order, traffic, consumer or land-ownership disputes) and administrative disputes that may lawfully be mediated.",
        "legal_basis": "有关法律、法规关于行政调解的规定（如《治安管理处罚法》《行政复议法》中的调解规定）",
        "legal_basis_en": "The provisions on mediation in the relevant laws and regulations (for example the Public Security Administration Punishments Law and the Administrative Reconsideration Law)",
        "what_to_bring": "身份证件；有关的行政决定书、通知书或其他材料；对方当事人的姓名和联系方式。",
        "what_to_bring_en": "Your identity document; the administrative decision, notice or other papers concerned; the other party's name and contact details.",
        "time_limit_text": "按有关法律、法规的规定办理；没有规定期限的，服务点与您约定时间。",
        "time_limit_text_en": "As the relevant laws and regulations provide; where they set no time limit, the service point agrees a time with you.",
        "limit_period": None,
        "limit_unit": "",
        "limit_from": "",
    },
    {
        "code": "legal_aid",
        "sort_order": 40,
        "name": "法律援助",
        "name_en": "Legal aid",
        "description": "经济困难或者符合法定条件的公民，可以申请由法律援助机构指派律师等免费提供法律咨询、代拟法律文书、诉讼代理、刑事辩护等服务。英雄烈士近亲属等法定情形不受经济困难条件的限制。",
        "description_en": "People with financial difficulties, or who meet other legal conditions, may apply to the legal-aid body, which assigns a lawyer or other provider to advise them, draft documents, represent them or defend them free of charge. Some people, such as close relatives of heroes and martyrs, qualify without a means test.",
        "legal_basis": "《法律援助法》第三十一条、第三十二条、第四十二条、第四十三条",
        "legal_basis_en": "Legal Aid Law, Articles 31, 32, 42 and 43",
        "what_to_bring": "身份证件；经济困难状况的说明或证明材料（依法免予核查的除外）；与申请事项有关的材料，如起诉状、判决书、劳动合同、欠条等。",
        "what_to_bring_en": "Your identity document; a statement of or evidence about your financial situation (unless the law exempts you from the check); papers about the matter, such as a statement of claim, a judgment, a labour contract or an IOU.",
        "time_limit_text": "法律援助机构自收到申请之日起七日内作出是否给予法律援助的决定；决定给予的，自决定之日起三日内指派律师等人员（《法律援助法》第四十三条）。材料不齐的，会一次性告知您需要补充的材料。",
        "time_limit_text_en": "The legal-aid body decides within 7 days of receiving the application whether to grant legal aid; if it does, it assigns a lawyer or other provider within 3 days of the decision (Legal Aid Law, Article 43). If papers are missing, you are told once what to add.",
        "limit_period": 7,
        "limit_unit": "calendar",
        "limit_from": "receipt",
    },
    {
        "code": "notarisation",
        "sort_order": 50,
        "name": "公证",
        "name_en": "Notarisation",
        "description": "公证机构根据您的申请，依法证明民事法律行为、有法律意义的事实和文书的真实性、合法性，如亲属关系、出生、学历、委托书、遗嘱、继承等。",
        "description_en": "On your application a notary office certifies that a civil legal act, a fact of legal significance or a document is authentic and lawful, for example a family relationship, a birth, a degree, a power of attorney, a will or an inheritance.",
        "legal_basis": "《公证法》第三十条",
        "legal_basis_en": "Notarisation Law, Article 30",
        "what_to_bring": "身份证件；需要公证的文件原件；与公证事项有关的证明材料；委托他人办理的，带上授权委托书。",
        "what_to_bring_en": "Your identity document; the original documents to be notarised; evidence about the matter; a power of attorney if someone applies on your behalf.",
        "time_limit_text": "材料真实、合法、充分的，自受理之日起十五个工作日内出具公证书；因不可抗力、补充证明材料或者需要核实有关情况的，所需时间不计算在内（《公证法》第三十条）。",
        "time_limit_text_en": "Where the papers are true, lawful and sufficient, the certificate is issued within 15 working days of acceptance; time taken by force majeure, by supplementing evidence or by verification is not counted (Notarisation Law, Article 30).",
        "limit_period": 15,
        "limit_unit": "working",
        "limit_from": "acceptance",
    },
    {
        "code": "cross_border",
        "sort_order": 60,
        "name": "涉外（港澳）法律服务",
        "name_en": "Cross-border (Hong Kong and Macao) legal services",
        "description": "为涉及香港、澳门或外国的民商事事务提供法律咨询，指引域外法律查明、涉外公证和跨境调解，并对接内地与港澳律师事务所的联营服务。",
        "description_en": "Legal consultation on civil and commercial matters involving Hong Kong, Macao or other countries; guidance on ascertaining foreign law, on notarisation for use abroad and on cross-border mediation; and referral to joint-venture law firms of mainland and Hong Kong or Macao lawyers.",
        "legal_basis": "有关法律、法规；服务点提供指引和对接，不代替法院或仲裁机构作出判断。",
        "legal_basis_en": "The relevant laws and regulations; the service point guides and refers you, it does not decide in place of a court or an arbitration body.",
        "what_to_bring": "身份证件（港澳居民来往内地通行证、护照等）；与事项有关的合同和文书，外文材料请附中文译文。",
        "what_to_bring_en": "Your identity document (Mainland Travel Permit for Hong Kong and Macao Residents, passport …); contracts and documents about the matter, with a Chinese translation of anything in another language.",
        "time_limit_text": "一般当场解答；需要查明域外法律的，与您约定时间答复。",
        "time_limit_text_en": "Usually answered on the spot; where foreign law must be ascertained, a time is agreed with you.",
        "limit_period": None,
        "limit_unit": "",
        "limit_from": "",
    },
)


def seed_kinds(model: Any) -> int:
    """Create the kinds that are missing (by code); existing ones, edited or not, are left alone.
    `model` is the ServiceKind class (the historical one in a migration). Returns how many were made."""
    existing = set(model.objects.values_list("code", flat=True))
    missing = [model(**row) for row in KIND_ROWS if row["code"] not in existing]
    model.objects.bulk_create(missing)
    return len(missing)
