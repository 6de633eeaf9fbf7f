"""Demo data for the quick start: two bureaus, role-named accounts, the categories and one joint case.

Everything is made through the services an officer's clicks would call, so the demo case has the same
timeline, audit records, permissions and notifications as a real one. Loading is idempotent: reference
data is looked up by its natural key before it is created, and the demo case (found by its lead bureau
and title) is built only when it is missing, in one transaction, so a failed run leaves no half case.
"""

import unicodedata
from dataclasses import dataclass, field

from django.contrib.auth.password_validation import validate_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from collaboration import services as request_services
from collaboration.models import RequestType
from portal import services as portal_services
from portal.models import Bureau, Team, User

from . import demo_files
from . import services as case_services
from .models import Category, JointCase, Party
from .validators import uscc_check_character, validate_uscc

DEMO_PASSWORD = "Demo#Portal2026"
# The authenticator key of every demo account whose role needs two-factor login (leaders, administrators).
# It is published here on purpose: `manage.py demo_totp USER` prints the current code. Demo data only.
DEMO_TOTP_KEY_HEX = "3132333435363738393031323334353637383930"
DEMO_EMAIL_DOMAIN = "demo.portal.local"

BUREAUS = [
    {
        "code": "SZ-AMR",
        "name_zh": "深圳市市场监督管理局",
        "name_en": "Shenzhen Administration for Market Regulation",
        "short_name": "深圳",
        "case_number_prefix": "深市监协",
        "team": ("市场稽查局", "Market Inspection Bureau"),
        "prefix": "sz",
    },
    {
        "code": "HZ-AMR",
        "name_zh": "杭州市市场监督管理局",
        "name_en": "Hangzhou Administration for Market Regulation",
        "short_name": "杭州",
        "case_number_prefix": "杭市监协",
        "team": ("综合行政执法队", "Comprehensive Administrative Enforcement Team"),
        "prefix": "hz",
    },
]

# (username suffix, role, display-name suffix, member of the bureau's team)
ROLES = [
    ("officer", User.Role.OFFICER, "办案人员", True),
    ("leader", User.Role.LEADER, "队长", True),
    ("admin", User.Role.BUREAU_ADMIN, "管理员", False),
    ("auditor", User.Role.AUDITOR, "审计员", False),
]

CATEGORIES = [
    ("live-streaming", "直播电商", "Live-streaming commerce"),
    ("e-commerce", "电子商务", "E-commerce"),
    ("ai", "人工智能", "Artificial intelligence"),
    ("5g-telecom", "5G通信", "5G / telecom"),
    ("online-advertising", "网络广告", "Online advertising"),
    ("food-safety", "食品安全", "Food safety"),
    ("pricing", "价格", "Pricing"),
    ("counterfeits-ip", "假冒侵权", "Counterfeits / IP"),
    ("other", "其他", "Other"),
]

CASE_TITLE = "抖音直播间“御康优选”虚假宣传保健食品案"
COMPANY = "杭州御康优选健康科技有限公司"
COMPANY_USCC_PREFIX = "91330100MA2KD8QW5"  # 91 company, 330100 Hangzhou, then a made-up organisation code
SHOP = "御康优选官方旗舰店"
PLATFORM = "抖音"
SHOP_ID = "DY-71830425"


@dataclass
class LoadReport:
    created: list[str] = field(default_factory=list)
    case: JointCase | None = None
    case_created: bool = False


def load(*, password: str = DEMO_PASSWORD) -> LoadReport:
    """Create whatever part of the demo data is missing; running it again changes nothing."""
    report = LoadReport()
    with transaction.atomic():
        teams = {spec["code"]: ensure_bureau_and_team(spec, report) for spec in BUREAUS}
        users = {}
        for spec in BUREAUS:
            users.update(ensure_bureau_accounts(spec, teams[spec["code"]], password, report))
        ensure_superuser(password, report)
        ensure_demo_authenticators(report)
        categories = ensure_categories(report)
        report.case = JointCase.objects.filter(lead_bureau__code="SZ-AMR", title=CASE_TITLE).first()
        if report.case is None:
            report.case = build_joint_case(users, teams, categories["live-streaming"])
            report.case_created = True
            report.created.append(f"case {report.case.number}")
    return report


def ensure_bureau_and_team(spec: dict, report: LoadReport) -> Team:
    bureau, created = Bureau.objects.get_or_create(
        code=spec["code"],
        defaults={key: spec[key] for key in ("name_zh", "name_en", "short_name", "case_number_prefix")},
    )
    if created:
        report.created.append(f"bureau {bureau.code}")
    name_zh, name_en = spec["team"]
    team = Team.objects.filter(bureau=bureau, name_zh=name_zh).first()
    if team is None:
        team = portal_services.team_create(bureau=bureau, name_zh=name_zh, name_en=name_en)
        report.created.append(f"team {name_zh}")
    return team


def ensure_bureau_accounts(spec: dict, team: Team, password: str, report: LoadReport) -> dict[str, User]:
    """The four role-named accounts of a bureau; officers and leaders sit in its team."""
    users = {}
    for suffix, role, title, in_team in ROLES:
        username = f"{spec['prefix']}_{suffix}"
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(
                username=username,
                email=f"{username}@{DEMO_EMAIL_DOMAIN}",
                display_name=f"{spec['short_name']}{title}",
                bureau=team.bureau,
            )
            validate_password(password, user)
            user.set_password(password)
            user.save()
            portal_services.user_set_position(user=user, team=team if in_team else None, role=role)
            report.created.append(f"user {username}")
        users[username] = user
    return users


def ensure_superuser(password: str, report: LoadReport) -> None:
    if not User.objects.filter(username="admin").exists():
        User.objects.create_superuser(
            "admin", f"admin@{DEMO_EMAIL_DOMAIN}", password, display_name="系统管理员"
        )
        report.created.append("user admin")


def ensure_demo_authenticators(report: LoadReport) -> None:
    """Confirmed TOTP devices with the published demo key for the accounts that must use two-factor login."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from portal.middleware import two_factor_step

    names = [f"{spec['prefix']}_{suffix}" for spec in BUREAUS for suffix, *_ in ROLES] + ["admin"]
    for user in User.objects.filter(username__in=names):
        if two_factor_step(user) == "otp_setup":
            TOTPDevice.objects.create(
                user=user, name="demo authenticator", key=DEMO_TOTP_KEY_HEX, confirmed=True
            )
            report.created.append(f"authenticator {user.username}")


def ensure_categories(report: LoadReport) -> dict[str, Category]:
    categories = {}
    for position, (code, name_zh, name_en) in enumerate(CATEGORIES, start=1):
        category, created = Category.objects.get_or_create(
            code=code, defaults={"name_zh": name_zh, "name_en": name_en, "position": position * 10}
        )
        if created:
            report.created.append(f"category {code}")
        categories[code] = category
    return categories


def company_uscc() -> str:
    code = COMPANY_USCC_PREFIX + uscc_check_character(COMPANY_USCC_PREFIX)
    validate_uscc(code)
    return code


def build_joint_case(users: dict[str, User], teams: dict[str, Team], category: Category) -> JointCase:
    """Shenzhen opens the case, adds the parties and evidence, and asks Hangzhou for help.

    The first request is approved by sz_leader, so it is sent with a due date and waits in hz_leader's
    queue; the second is submitted and waits in sz_leader's approval queue.
    """
    officer, leader = users["sz_officer"], users["sz_leader"]
    case = case_services.case_create(
        actor=officer,
        title=CASE_TITLE,
        summary=(
            f"{PLATFORM}直播间“{SHOP}”在直播中宣称其销售的灵芝孢子粉胶囊等保健食品可“治疗糖尿病”"
            "“三个月停药”，深圳市多名消费者购买后投诉。店铺经营者为杭州市登记注册的"
            f"{COMPANY}，涉嫌虚假宣传、发布违法保健食品广告。由深圳市市场监督管理局主办，"
            "请杭州市市场监督管理局协助调取主体登记、平台订单及直播回放等证据。（演示数据）"
        ),
        category=category,
        partner_teams=[teams["HZ-AMR"]],
    )
    case = case_services.case_open(case=case, actor=officer)
    add_parties(case, officer)
    upload(
        case_services.document_upload,
        officer,
        case=case,
        file=demo_files.complaint_summary_txt(shop=SHOP, company=COMPANY),
        title="投诉举报汇总",
    )
    upload(
        case_services.document_upload,
        officer,
        case=case,
        file=demo_files.live_stream_screenshot_png(),
        title="直播间截图（取证）",
    )

    sent = request_services.request_create(
        case=case,
        actor=officer,
        request_type=RequestType.EVIDENCE_COLLECTION,
        title="调取涉案企业登记档案、店铺订单记录及直播回放",
        items=(
            f"1. {COMPANY}（统一社会信用代码 {company_uscc()}）的企业登记档案，含章程、股东及法定代表人信息；\n"
            f"2. {PLATFORM}店铺“{SHOP}”（店铺ID {SHOP_ID}）{demo_files.period_text()}的全部订单记录；\n"
            "3. 上述期间的直播回放录像及平台留存的直播脚本。"
        ),
        requested_bureau=teams["HZ-AMR"].bureau,
    )
    letter = demo_files.assistance_letter_pdf(
        case_number=case.number, company=COMPANY, shop=SHOP, platform=PLATFORM
    )
    upload(request_services.request_attach_document, officer, request=sent, file=letter, title="协助调查函")
    upload(
        request_services.request_attach_document,
        officer,
        request=sent,
        file=demo_files.order_records_xlsx(shop=SHOP),
        title="已掌握的深圳收货订单（消费者提供）",
    )
    request_services.request_submit(request=sent, actor=officer)
    request_services.request_approve(request=sent, actor=leader)

    waiting = request_services.request_create(
        case=case,
        actor=officer,
        request_type=RequestType.PLATFORM_DATA,
        title="调取店铺资金流水及退款记录",
        items=(
            f"请协助向{PLATFORM}平台调取店铺“{SHOP}”{demo_files.period_text()}的货款结算流水、"
            "退款及售后记录，以核实违法所得。"
        ),
        requested_bureau=teams["HZ-AMR"].bureau,
        time_limit_days=10,
    )
    request_services.request_submit(request=waiting, actor=officer)
    return case


def add_parties(case: JointCase, actor: User) -> list[Party]:
    return [
        case_services.party_add(
            case=case,
            actor=actor,
            kind=Party.Kind.COMPANY,
            name=COMPANY,
            uscc=company_uscc(),
            address="浙江省杭州市余杭区仓前街道文一西路示例大厦12层（演示地址）",
        ),
        case_services.party_add(
            case=case,
            actor=actor,
            kind=Party.Kind.ONLINE_SHOP,
            name=SHOP,
            platform=PLATFORM,
            platform_account_id=SHOP_ID,
            notes="直播时段每晚19:30至23:00；主播自称“御康健康顾问”。",
        ),
    ]


def upload(service, actor: User, *, file: tuple[str, bytes], title: str, **target):
    name, content = file
    return service(actor=actor, uploaded_file=SimpleUploadedFile(name, content), title=title, **target)


def demo_logins() -> list[tuple[str, str, str, str]]:
    """(username, display name, bureau, role) of every demo account that exists, in a stable order."""
    names = [f"{spec['prefix']}_{suffix}" for spec in BUREAUS for suffix, *_ in ROLES] + ["admin"]
    users = {user.username: user for user in User.objects.filter(username__in=names).select_related("bureau")}
    rows = []
    for name in names:
        if name in users:
            user = users[name]
            role = "superuser" if user.is_superuser else user.role
            rows.append((name, str(user), user.bureau.short_name if user.bureau else "-", role))
    return rows


def logins_table(password: str = DEMO_PASSWORD) -> str:
    """The demo accounts as a text table for the terminal (CJK characters count two columns)."""
    rows = [("username", "name", "bureau", "role"), *demo_logins()]
    widths = [max(_columns(row[i]) for row in rows) for i in range(4)]
    lines = [
        f"Demo logins (the password of every account: {password})",
        "Leaders and administrators also enter a one-time code: `.venv/bin/python manage.py demo_totp` prints it.",
    ]
    for row in rows:
        cells = [cell + " " * (width - _columns(cell)) for cell, width in zip(row, widths, strict=True)]
        lines.append("  " + "  ".join(cells).rstrip())
    return "\n".join(lines)


def _columns(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)
