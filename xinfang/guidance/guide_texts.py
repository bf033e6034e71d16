"""The default complaint and appeal guides (O2), written for the project in plain language from the
legal channels of regulations.md (§1.10 XF-CLS-04, XF-TRI-02, XF-END-01; §4 LIT, CIV, MED, AID).
Loaded by migration 0002 (traditional Chinese converted by OpenCC at that moment); administrators
edit the texts afterwards in the admin, so this file is only the starting point.

What is not taken from regulations.md (general public knowledge, to be checked by a lawyer before
publication; see docs/guidance.md): the 12309 and 12368 service lines, the list of matters the
procuratorate supervises, relief from court fees."""

# ruff: noqa: E501 - the texts keep one paragraph a line

from __future__ import annotations

from typing import NamedTuple


class GuideDefault(NamedTuple):
    slug: str
    sort_order: int
    title: str
    summary: str
    body: str
    title_en: str
    summary_en: str
    body_en: str


PROCURATORATE = GuideDefault(
    slug="procuratorate-complaints",
    sort_order=10,
    title="检察机关控告申诉指南",
    summary="哪些事情可以找检察院，怎样提出控告、申诉，之后会怎样，要注意哪些期限。",
    body="""## 哪些事情可以找检察院
人民检察院是国家的法律监督机关。下列事情，可以向人民检察院提出控告、申诉或者申请监督：
- 认为公安机关应当立案侦查而不立案，或者不应当立案而立案的；
- 认为司法工作人员在办案中有违法行为，侵犯了自己合法权益的；
- 不服人民检察院作出的不起诉等处理决定的；
- 对人民法院已经生效的民事、行政判决、裁定认为确有错误，已经申请再审但被驳回、法院逾期没有作出裁定，或者再审判决、裁定仍有明显错误的；
- 认为人民法院的审判活动或者执行活动违法的。

不属于检察院管的事情（例如行政管理、劳动争议、邻里纠纷），请查看本网站的导引图，找对应的部门或者途径。

## 怎样提出
1. 到人民检察院的12309检察服务中心（控告申诉窗口）当面提出，带上身份证件和相关材料，例如判决书、决定书、报案回执；
2. 拨打12309检察服务热线，或者登录12309中国检察网提出；
3. 写信寄到人民检察院。

请写清楚：您是谁、怎样联系您、您要求检察院做什么、事情经过和理由、已经经过哪些程序，并附上主要材料的复印件。

## 之后会怎样
- 检察院登记后，按照法律规定的程序审查办理，并把处理情况告诉您；
- 属于其他机关管辖的，检察院会告诉您向哪个机关提出，或者依法移送；
- 已经依法终结的事项，不再作为新的事项重复办理，但有关部门会继续做好解释疏导和帮扶救助。

## 请注意期限
- 控告、申诉和信访都不会停止法定期限的计算。上诉、申请再审、申请执行都有期限：不服一审判决的上诉期为15日，不服裁定的为10日；申请再审一般在判决、裁定生效后6个月内；申请执行在2年内。请先在期限内走法定程序。
- 向公安机关、人民检察院、人民法院报案或者控告，请求保护自己的民事权利的，民事诉讼时效中断。
- 经济困难的，可以申请法律援助；离起诉、仲裁或者复议期限不足7日的，可以申请先行援助。

## 依法有序反映
请如实反映情况，不要捏造、歪曲事实，不要聚集或者采取过激行为。诬告陷害他人的，要依法承担责任。""",
    title_en="Guide to complaints and appeals to the procuratorate",
    summary_en="What the procuratorate deals with, how to make a complaint or appeal, what happens next, and the time limits to keep.",
    body_en="""## What you can bring to the procuratorate
The people's procuratorate supervises how the law is applied. You can make a complaint, an appeal or a request for supervision to the procuratorate when:
- you think the police should have opened a criminal case and did not, or opened one they should not have;
- you think police officers, prosecutors, judges or other judicial staff broke the law while handling a case and harmed your lawful rights;
- you disagree with a decision of the procuratorate, such as a decision not to prosecute;
- you think a final civil or administrative judgment or ruling of a court is wrong, and the court has rejected your application for retrial, has not decided on it in time, or the retrial judgment is still clearly wrong;
- you think a court broke the law in a trial or in enforcement.

Matters the procuratorate does not handle (for example administrative matters, labour disputes, quarrels with neighbours) are shown on the guidance map of this site, with the body or procedure that deals with them.

## How to make it
1. In person at the procuratorate's 12309 procuratorial service centre (complaints and appeals window). Bring your identity document and the papers of the case, such as the judgment, the decision or the police receipt.
2. By telephone on the 12309 procuratorial service line, or online on the 12309 China Procuratorate website.
3. By letter to the procuratorate.

Please say who you are, how to reach you, what you ask the procuratorate to do, what happened and why, and which procedures you have already been through. Add copies of the main papers.

## What happens next
- The procuratorate registers your complaint or appeal, examines it under the procedure the law sets, and tells you the result.
- If another body is competent, the procuratorate tells you where to go, or transfers the matter as the law provides.
- A matter that has been concluded under the law is not handled again as a new matter, but the authorities keep explaining the decision and helping where help is needed.

## Keep to the time limits
- Complaints, appeals and petitions do not stop any legal time limit. Appeals, applications for retrial and applications for enforcement have time limits: 15 days to appeal against a first-instance judgment and 10 days against a ruling; a retrial application usually within 6 months after the judgment or ruling takes effect; an enforcement application within 2 years. Use these procedures in time first.
- Reporting to the police, the procuratorate or a court to protect your civil rights interrupts the civil limitation period.
- If you cannot afford a lawyer you can apply for legal aid. When fewer than 7 days remain before the time limit for a lawsuit, arbitration or administrative reconsideration, you can ask for provisional aid.

## Lawful and orderly
Please tell the facts as they are; do not invent or distort them, do not gather in crowds or act violently. A person who falsely accuses others is liable under the law.""",
)


COURT = GuideDefault(
    slug="court-petitions",
    sort_order=20,
    title="法院涉诉信访指南",
    summary="对法院案件有意见，先走哪个诉讼程序，怎样向法院反映，法院怎样办理。",
    body="""## 什么是涉诉信访
对人民法院正在审理、执行的案件，或者已经审结的案件有意见，向法院来信来访，就是涉诉信访。按照“诉访分离”的原则，依法应当通过诉讼程序解决的，法院会引导您进入相应的诉讼程序，由有权的审判、执行部门依法处理。

## 先看看您的事情该走哪个程序
- 案件还在审理中：向承办法官或者审判部门提交意见和材料；
- 不服一审判决、裁定：从收到之日起，判决15日内、裁定10日内向上一级法院上诉；
- 判决、裁定已经生效，认为确有错误：一般在生效后6个月内申请再审；
- 对方不履行生效判决：在2年内申请强制执行；
- 对行政机关的行为起诉：一般在知道该行为之日起6个月内；经过行政复议的，收到复议决定之日起15日内；
- 人民调解达成了协议：双方可以在协议生效后30日内共同申请法院司法确认；
- 反映法院工作人员违纪违法：向法院的纪检监察部门或者纪检监察机关反映。

## 怎样向法院反映
1. 到法院诉讼服务中心的涉诉信访窗口当面反映，带上身份证件、判决书或者裁定书，并说明案号；
2. 拨打12368诉讼服务热线，查询案件进度或者反映问题；
3. 写信寄到法院，写清楚案号、您的要求和事实理由。

## 法院怎样办理
法院一般分级办理：信访部门先行接待、登记和释法答疑；案件所涉的审判或者执行部门负责具体办理；院领导跟踪督促；重大、疑难的由有关部门共同研究化解。办理情况会告诉您。

## 请注意
- 信访不会停止上诉、再审、执行等期限的计算，请先在期限内走诉讼程序。
- 涉法涉诉事项已经依法终结的，不再重复办理，但当地党委、政府和基层组织会继续做好解释疏导和帮扶救助。
- 经济困难的，可以申请法律援助，也可以申请缓交、减交或者免交诉讼费用。
- 请依法有序反映，不要在法院内外聚集、滞留或者采取过激行为。""",
    title_en="Guide to litigation-related petitions to the court",
    summary_en="If you disagree with a court case: which court procedure comes first, how to raise it with the court, and how the court handles it.",
    body_en="""## What a litigation-related petition is
Writing to or visiting a court about a case it is hearing, enforcing or has decided is a litigation-related petition. Litigation and petitions are kept apart: what the law says must be resolved in court proceedings is guided into those proceedings and decided by the competent trial or enforcement division.

## Which procedure fits your matter
- The case is still being heard: give your views and papers to the judge or division in charge.
- You disagree with a first-instance judgment or ruling: appeal to the court one level up within 15 days (judgment) or 10 days (ruling) of receiving it.
- The judgment or ruling is final and you think it is wrong: apply for retrial, usually within 6 months after it takes effect.
- The other side does not comply with a final judgment: apply for enforcement within 2 years.
- You want to sue an administrative body: usually within 6 months of knowing of its act; after administrative reconsideration, within 15 days of receiving the reconsideration decision.
- You reached a people's mediation agreement: both sides can jointly ask the court to confirm it within 30 days after it takes effect.
- You want to report misconduct of court staff: go to the court's discipline inspection office or to the discipline inspection and supervision commission.

## How to raise it with the court
1. In person at the litigation-related petition window of the court's litigation service centre. Bring your identity document and the judgment or ruling, and give the case number.
2. By telephone on the 12368 litigation service line, to ask about your case or raise a problem.
3. By letter to the court, with the case number, what you ask for, the facts and your reasons.

## How the court handles it
Courts usually handle petitions in levels: the petition office receives you first, registers the matter and explains the law; the trial or enforcement division concerned handles it; a court leader follows it up; serious or difficult matters are worked on jointly. You are told the result.

## Please note
- A petition does not stop the time limits for appeal, retrial or enforcement. Use the court procedures in time first.
- A litigation-related matter that has been concluded under the law is not handled again, but the local authorities keep explaining the decision and helping where help is needed.
- If you cannot afford it, you can apply for legal aid, and for court fees to be deferred, reduced or waived.
- Please raise your matter lawfully and in order; do not gather or stay in or around the court, and do not act violently.""",
)

DEFAULT_GUIDES: tuple[GuideDefault, ...] = (PROCURATORATE, COURT)
