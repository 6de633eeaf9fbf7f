"""Realistic data at scale for benchmarks (issue 8): bureaus, teams, users, cases and everything in them.

Writes with bulk inserts in batches, straight into the tables the services would fill, including the
object-permission rows that follow from case teams, so that pages see what they would see in production.
Meant for a dedicated benchmark database: it flushes that database first (re-runnable).
"""

import hashlib
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import models, transaction

from cases.models import (
    CaseGroupObjectPermission,
    CaseMember,
    CaseNumberCounter,
    CaseParticipant,
    CaseUserObjectPermission,
    Category,
    Document,
    JointCase,
    Party,
    TimelineEntry,
)
from cases.validators import uscc_check_character
from collaboration.models import AssistanceRequest, RequestType
from portal.models import AuditEvent, Bureau, Notification, Team, User

SHANGHAI = ZoneInfo("Asia/Shanghai")
CITIES = [
    ("SZ", "深圳", "深市监协"), ("HZ", "杭州", "杭市监协"), ("GZ", "广州", "穗市监协"), ("SH", "上海", "沪市监协"),
    ("BJ", "北京", "京市监协"), ("CD", "成都", "蓉市监协"), ("WH", "武汉", "汉市监协"), ("NJ", "南京", "宁市监协"),
    ("XA", "西安", "陕市监协"), ("CQ", "重庆", "渝市监协"),
]  # fmt: skip
CATEGORIES = [
    ("live-streaming", "直播电商", "Live-streaming commerce"), ("e-commerce", "电子商务", "E-commerce"),
    ("ai", "人工智能", "AI"), ("5g-telecom", "5G通信", "5G / telecom"), ("online-advertising", "网络广告", "Online ads"),
    ("food-safety", "食品安全", "Food safety"), ("pricing", "价格", "Pricing"),
    ("counterfeits-ip", "假冒侵权", "Counterfeits / IP"), ("other", "其他", "Other"),
]  # fmt: skip
PLATFORMS = ["抖音", "快手", "淘宝直播", "拼多多", "京东", "小红书", "微信视频号", "哔哩哔哩"]
PRODUCTS = [
    "保健食品",
    "减肥茶",
    "护肤品",
    "儿童玩具",
    "白酒",
    "茶叶",
    "智能手表",
    "蓝牙耳机",
    "奶粉",
    "口罩",
    "燕窝",
    "人参",
]
WRONGS = [
    "虚假宣传",
    "虚构原价",
    "销售假冒注册商标商品",
    "无证经营",
    "刷单炒信",
    "违法广告",
    "价格欺诈",
    "商业贿赂",
]
SYLLABLES = (
    "华 中 恒 瑞 达 鑫 源 盛 泰 康 优 选 嘉 禾 汇 通 宏 远 博 创 信 德 安 美 佳 星 辰 海 润 丰".split()
)
STATUSES = [("draft", 5), ("open", 15), ("investigating", 40), ("closure_pending", 5), ("closed", 35)]
REQUEST_STATUSES = [
    ("draft", 8), ("awaiting_approval", 6), ("sent", 10), ("accepted", 8), ("in_progress", 18),
    ("answered", 10), ("completed", 35), ("declined", 5),
]  # fmt: skip
BATCH = 5000


@dataclass
class Sizes:
    bureaus: int = 10
    users: int = 1000
    cases: int = 100_000
    requests_per_case: float = 3.0
    documents_per_case: float = 10.0
    timeline_per_case: float = 8.0
    notifications: int = 200_000
    audit_events: int = 200_000


def weighted(rng: random.Random, table):
    values, weights = zip(*table, strict=True)
    return rng.choices(values, weights)[0]


@contextmanager
def historical_timestamps():
    """Let bulk inserts carry past dates: auto_now/auto_now_add would stamp every row with now()."""
    patched = []
    for model in (JointCase, CaseParticipant, CaseMember, Party, Document, TimelineEntry, AssistanceRequest):
        for field in model._meta.concrete_fields:
            if isinstance(field, models.DateTimeField) and (field.auto_now or field.auto_now_add):
                patched.append((field, field.auto_now, field.auto_now_add))
                field.auto_now = field.auto_now_add = False
    try:
        yield
    finally:
        for field, auto_now, auto_now_add in patched:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add


def in_batches(rows: Iterator, model, report: Callable[[str], None], label: str, total: int) -> int:
    """Insert rows in batches, printing progress."""
    batch, done = [], 0
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            model.objects.bulk_create(batch, batch_size=BATCH)
            done += len(batch)
            batch = []
            if done % (BATCH * 20) == 0:
                report(f"  {label}: {done:,}/{total:,}")
    if batch:
        model.objects.bulk_create(batch, batch_size=BATCH)
        done += len(batch)
    report(f"  {label}: {done:,} rows")
    return done


class Generator:
    def __init__(self, sizes: Sizes, seed: int, report: Callable[[str], None]):
        self.sizes, self.rng, self.report = sizes, random.Random(seed), report
        self.today = date.today()
        self.start = self.today - timedelta(days=3 * 365)

    # --- reference data -------------------------------------------------------------------------

    def build_org(self):
        rng = self.rng
        self.categories = [
            Category.objects.create(code=code, name_zh=zh, name_en=en, position=i)
            for i, (code, zh, en) in enumerate(CATEGORIES)
        ]
        self.bureaus, self.teams, self.users_by_team, self.leaders_by_team = [], {}, {}, {}
        password = make_password("Scale#Portal2026")
        users, per_bureau = [], max(self.sizes.users // self.sizes.bureaus, 10)
        for index in range(self.sizes.bureaus):
            code, city, prefix = CITIES[index % len(CITIES)]
            suffix = "" if index < len(CITIES) else str(index)
            bureau = Bureau.objects.create(
                code=f"{code}{suffix}-AMR",
                name_zh=f"{city}市市场监督管理局{suffix}",
                name_en=f"{code} Administration for Market Regulation",
                short_name=city,
                case_number_prefix=f"{prefix}{suffix}",
            )
            self.bureaus.append(bureau)
            teams = []
            for t in range(3):
                group = Group.objects.create(name=f"team-leaders:{bureau.code}:{t}")
                teams.append(
                    Team.objects.create(bureau=bureau, name_zh=f"稽查{'一二三'[t]}队", leaders_group=group)
                )
            self.teams[bureau.pk] = teams
            for n in range(per_bureau):
                team = teams[n % 3]
                role = (
                    User.Role.BUREAU_ADMIN if n < 2 else User.Role.AUDITOR if n < 4 else
                    User.Role.LEADER if n < 10 else User.Role.OFFICER
                )  # fmt: skip
                users.append(
                    User(
                        username=f"{code.lower()}{suffix}_{role}_{n:03d}",
                        password=password,
                        email=f"{code.lower()}{suffix}_{n:03d}@scale.portal.local",
                        display_name=f"{city}{rng.choice(SYLLABLES)}{rng.choice(SYLLABLES)}",
                        bureau=bureau,
                        team=team if role in (User.Role.LEADER, User.Role.OFFICER) else None,
                        role=role,
                    )
                )
        User.objects.bulk_create(users, batch_size=BATCH)
        memberships = []
        for user in User.objects.filter(team__isnull=False).select_related("team"):
            bucket = self.leaders_by_team if user.role == User.Role.LEADER else self.users_by_team
            bucket.setdefault(user.team_id, []).append(user.pk)
            if user.role == User.Role.LEADER:
                memberships.append(User.groups.through(user_id=user.pk, group_id=user.team.leaders_group_id))
        User.groups.through.objects.bulk_create(memberships)
        self.view_permission = Permission.objects.get(
            content_type__app_label="cases", codename="view_jointcase"
        )
        self.report(
            f"  {len(self.bureaus)} bureaus, {sum(len(t) for t in self.teams.values())} teams, {len(users)} users"
        )

    def shared_files(self, count: int = 16) -> list[tuple[str, str, int, str]]:
        """A few real small files; the million document rows point at them (the records are what matter)."""
        files = []
        for n in range(count):
            content = f"协查材料样本 {n}\n".encode() * (n + 1) * 20
            sha = hashlib.sha256(content).hexdigest()
            name = f"documents/{sha[:2]}/{sha[2:4]}/{sha}"
            if not default_storage.exists(name):
                default_storage.save(name, ContentFile(content))
            files.append((name, sha, len(content), f"材料{n}.txt"))
        return files

    # --- cases and their contents ---------------------------------------------------------------

    def moment(self) -> datetime:
        day = self.start + timedelta(days=self.rng.randrange((self.today - self.start).days or 1))
        return datetime.combine(day, time(self.rng.randrange(8, 19), self.rng.randrange(60)), SHANGHAI)

    def title(self) -> str:
        rng = self.rng
        shop = (
            rng.choice(SYLLABLES)
            + rng.choice(SYLLABLES)
            + rng.choice(["优选", "旗舰店", "好物", "严选", "直营店"])
        )
        return f"{rng.choice(PLATFORMS)}“{shop}”{rng.choice(PRODUCTS)}{rng.choice(WRONGS)}案"

    def summary(self, title: str, lead: Bureau, partner: Bureau) -> str:
        rng = self.rng
        return (
            f"{lead.short_name}消费者投诉反映，{title[:-1]}。经查，涉案主体注册地在{partner.short_name}，"
            f"通过{rng.choice(PLATFORMS)}开展直播带货，涉嫌{rng.choice(WRONGS)}，涉案金额约{rng.randrange(1, 900)}万元。"
            f"需{partner.short_name}协助调取登记档案、订单记录及直播回放。"
        )

    def build_cases(self):
        rng, sizes = self.rng, self.sizes
        counters: dict[tuple[int, int], int] = {}
        # The first bureau is the large one (a third of all cases), as a big city would be.
        weights = [sizes.bureaus * 0.5] + [1] * (sizes.bureaus - 1)
        cases = []
        for _ in range(sizes.cases):
            lead = rng.choices(self.bureaus, weights)[0]
            partners = rng.sample([b for b in self.bureaus if b is not lead], k=rng.choice([1, 1, 1, 2]))
            status = weighted(rng, STATUSES)
            created = self.moment()
            title = self.title()
            case = JointCase(
                title=title,
                summary=self.summary(title, lead, partners[0]),
                category=rng.choice(self.categories),
                lead_bureau=lead,
                status=status,
                created_by_id=rng.choice(self.users_by_team[self.teams[lead.pk][0].pk]),
                created_at=created,
                updated_at=created + timedelta(days=rng.randrange(0, 60)),
            )
            if status != "draft":
                key = (lead.pk, created.year)
                counters[key] = counters.get(key, 0) + 1
                case.number_year, case.number_seq = created.year, counters[key]
                case.number = f"{lead.case_number_prefix}〔{created.year}〕{counters[key]:04d}号"
                case.opened_at = created
            if status == "closed":
                case.closed_at = case.updated_at
            case._partners = partners
            cases.append(case)
        for start in range(0, len(cases), BATCH):
            JointCase.objects.bulk_create(cases[start : start + BATCH])
            if (start // BATCH) % 4 == 0:
                self.report(f"  cases: {min(start + BATCH, len(cases)):,}/{len(cases):,}")
        CaseNumberCounter.objects.bulk_create(
            CaseNumberCounter(bureau_id=bureau_id, year=year, last_seq=seq)
            for (bureau_id, year), seq in counters.items()
        )
        self.cases = cases
        self.report(f"  cases: {len(cases):,} rows")

    def case_rows(self):
        """Participants, members and the permission rows that follow from them."""
        rng, view = self.rng, self.view_permission
        participants, members, user_perms, group_perms = [], [], [], []
        self.case_teams = {}
        for case in self.cases:
            lead_team = rng.choice(self.teams[case.lead_bureau_id])
            sides = [(case.lead_bureau_id, lead_team)] + [
                (b.pk, rng.choice(self.teams[b.pk])) for b in case._partners
            ]
            self.case_teams[case.pk] = sides
            people = set(rng.sample(self.users_by_team[lead_team.pk], k=rng.choice([1, 2, 2, 3])))
            people.add(case.created_by_id)
            if case.status in ("investigating", "closure_pending", "closed"):
                people.add(rng.choice(self.users_by_team[sides[1][1].pk]))  # an assignee on the partner side
            for bureau_id, team in sides:
                participants.append(
                    CaseParticipant(case=case, bureau_id=bureau_id, team=team, joined_at=case.created_at)
                )
                group_perms.append(
                    CaseGroupObjectPermission(
                        group_id=team.leaders_group_id, permission=view, content_object=case
                    )
                )
            for user_id in people:
                members.append(
                    CaseMember(
                        case=case, user_id=user_id, added_by_id=case.created_by_id, added_at=case.created_at
                    )
                )
                user_perms.append(
                    CaseUserObjectPermission(user_id=user_id, permission=view, content_object=case)
                )
            case._people = sorted(people)
        for model, rows, label in [
            (CaseParticipant, participants, "participants"),
            (CaseMember, members, "case team members"),
            (CaseUserObjectPermission, user_perms, "user permission rows"),
            (CaseGroupObjectPermission, group_perms, "group permission rows"),
        ]:
            in_batches(iter(rows), model, self.report, label, len(rows))

    def parties(self):
        rng = self.rng

        def rows():
            for case in self.cases:
                for _ in range(rng.choice([1, 1, 2, 3])):
                    first17 = (
                        "9133"
                        + "".join(rng.choice("0123456789") for _ in range(4))
                        + "MA"
                        + "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(7))
                    )
                    yield Party(
                        case=case,
                        kind=Party.Kind.COMPANY,
                        name=f"{rng.choice(CITIES)[1]}{rng.choice(SYLLABLES)}{rng.choice(SYLLABLES)}电子商务有限公司",
                        uscc=first17 + uscc_check_character(first17),
                        added_by_id=case.created_by_id,
                        added_at=case.created_at,
                    )

        in_batches(rows(), Party, self.report, "parties", int(len(self.cases) * 1.75))

    def requests(self):
        rng, sizes = self.rng, self.sizes
        total = int(len(self.cases) * sizes.requests_per_case)

        def rows():
            for n in range(total):
                case = self.cases[n % len(self.cases)] if n < len(self.cases) else rng.choice(self.cases)
                sides = self.case_teams[case.pk]
                (lead_bureau, lead_team), (partner_bureau, partner_team) = sides[0], rng.choice(sides[1:])
                status = weighted(rng, REQUEST_STATUSES) if case.status != "draft" else "draft"
                created = case.created_at + timedelta(days=rng.randrange(0, 30))
                request = AssistanceRequest(
                    case=case,
                    request_type=rng.choice(RequestType.values),
                    title=f"请协助调取{rng.choice(['登记档案', '订单记录', '直播回放', '资金流水', '物流信息'])}",
                    items="1. 企业登记档案；2. 平台订单记录；3. 直播回放录像。",
                    requesting_bureau_id=lead_bureau,
                    requesting_team=lead_team,
                    requested_bureau_id=partner_bureau,
                    requested_team=partner_team,
                    time_limit_days=15,
                    status=status,
                    created_by_id=case.created_by_id,
                    created_at=created,
                    updated_at=created,
                )
                if status not in ("draft", "awaiting_approval"):
                    request.sent_at = created
                    request.approved_by_id = rng.choice(self.leaders_by_team[lead_team.pk])
                    # Open requests fall due around today, so reminder sweeps and "overdue" have work.
                    if status in AssistanceRequest.OPEN_STATUSES:
                        request.due_date = self.today + timedelta(days=rng.randrange(-20, 30))
                    else:
                        request.due_date = created.date() + timedelta(days=21)
                if status in ("accepted", "in_progress", "answered", "completed"):
                    request.assignee_id = rng.choice(self.users_by_team[partner_team.pk])
                    request.accepted_by_id = rng.choice(self.leaders_by_team[partner_team.pk])
                yield request

        in_batches(rows(), AssistanceRequest, self.report, "assistance requests", total)

    def documents(self):
        rng, files = self.rng, self.shared_files()
        total = int(len(self.cases) * self.sizes.documents_per_case)

        def rows():
            for n in range(total):
                case = self.cases[n % len(self.cases)]
                name, sha, size, original = rng.choice(files)
                yield Document(
                    case=case,
                    title=f"{rng.choice(['协查函', '询问笔录', '订单截图', '登记档案', '直播录屏', '检验报告'])}{n % 97}",
                    original_name=original,
                    file=name,
                    sha256=sha,
                    size=size,
                    content_type="text/plain",
                    uploaded_by_id=rng.choice(case._people),
                    uploaded_at=case.created_at + timedelta(hours=rng.randrange(1, 2000)),
                )

        in_batches(rows(), Document, self.report, "documents", total)

    def timeline(self):
        rng = self.rng
        total = int(len(self.cases) * self.sizes.timeline_per_case)
        kinds = [
            "party_added",
            "document_uploaded",
            "request_created",
            "request_submitted",
            "request_approved",
        ]

        def rows():
            for n in range(total):
                case = self.cases[n % len(self.cases)]
                yield TimelineEntry(
                    case=case,
                    actor_id=rng.choice(case._people),
                    kind=rng.choice(kinds),
                    params={
                        "request": "请协助调取登记档案",
                        "party": "某电子商务有限公司",
                        "title": "协查函",
                        "sha256": "0" * 64,
                    },
                    created_at=case.created_at + timedelta(hours=n % 500),
                )

        in_batches(rows(), TimelineEntry, self.report, "timeline entries", total)

    def notifications_and_audit(self):
        rng = self.rng
        people = list(User.objects.filter(team__isnull=False).values_list("pk", flat=True))

        def notifications():
            for n in range(self.sizes.notifications):
                case = self.cases[n % len(self.cases)]
                yield Notification(
                    recipient_id=rng.choice(people),
                    kind="request_received",
                    params={
                        "request": "请协助调取登记档案",
                        "case": case.number or case.title,
                        "bureau": "某市",
                        "due": "2026-12-31",
                    },
                    url=f"/cases/{case.pk}/",
                    read_at=None if n % 3 else case.created_at,
                    email_status="sent",
                )

        def audit():
            for n in range(self.sizes.audit_events):
                case = self.cases[n % len(self.cases)]
                yield AuditEvent(actor_id=rng.choice(case._people), action="case.view", object_type="cases.jointcase",
                                 object_id=str(case.pk), case_id=case.pk)  # fmt: skip

        in_batches(notifications(), Notification, self.report, "notifications", self.sizes.notifications)
        in_batches(audit(), AuditEvent, self.report, "audit events (left unchained: chain them with the beat task)",
                   self.sizes.audit_events)  # fmt: skip

    def run(self):
        with historical_timestamps(), transaction.atomic():
            for step in (self.build_org, self.build_cases, self.case_rows, self.parties, self.requests,
                         self.documents, self.timeline, self.notifications_and_audit):  # fmt: skip
                self.report(f"{step.__name__.replace('_', ' ')} …")
                step()
