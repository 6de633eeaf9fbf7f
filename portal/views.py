import base64

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import user_has_device

from . import services
from .exports import csv_response
from .filters import AuditEventFilter
from .forms import AccountForm, TokenForm
from .models import Notification
from .permissions import can_manage_accounts, can_read_audit, manageable_accounts, visible_audit_events
from .web import client_ip, run_step


@login_required
def notification_list(request):
    notifications = Notification.objects.filter(recipient=request.user).order_by("-created_at", "-id")
    page = Paginator(notifications, 25).get_page(request.GET.get("page"))
    return render(request, "portal/notifications.html", {"page": page})


@login_required
@require_POST
def notification_open(request, pk):
    notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
    services.mark_notifications_read(user=request.user, ids=[notification.pk])
    return redirect(notification.url)


@login_required
@require_POST
def notification_read_all(request):
    services.mark_notifications_read(user=request.user)
    return redirect("notifications")


@login_required
@require_POST
def set_language(request):
    """Store the language on the user, so pages and emails follow it everywhere."""
    language = request.POST.get("language")
    if language in dict(request.user._meta.get_field("language").choices):
        request.user.language = language
        request.user.save(update_fields=["language"])
        translation.activate(language)
    target = request.POST.get("next", "/")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    return redirect(target)


def _audit_filter(request, action: str) -> AuditEventFilter:
    """Check the right, record the reading (before the query, so the page's count and rows agree), filter."""
    if not can_read_audit(request.user):
        raise PermissionDenied(_("Only auditors can read the audit trail."))
    services.audit(
        actor=request.user, action=action, detail=request.GET.dict(), ip_address=client_ip(request)
    )
    events = visible_audit_events(request.user).select_related("actor").order_by("-id")
    return AuditEventFilter(request.GET, queryset=events)


@login_required
def audit_list(request):
    """The auditors' view of the trail, filtered by person, case, action and period. Reading it is audited."""
    audit_filter = _audit_filter(request, "audit.view")
    page = Paginator(audit_filter.qs, 50).get_page(request.GET.get("page"))
    return render(request, "portal/audit.html", {"filter": audit_filter, "page": page})


AUDIT_CSV_HEADER = [
    gettext_lazy("No."),
    gettext_lazy("Time (Asia/Shanghai)"),
    gettext_lazy("User"),
    gettext_lazy("Action"),
    gettext_lazy("Object"),
    gettext_lazy("Case ID"),
    gettext_lazy("Address"),
    gettext_lazy("Detail"),
]


@login_required
def audit_export(request):
    """The filtered trail as CSV (UTF-8 with BOM for Excel; no cell can be read as a formula)."""
    audit_filter = _audit_filter(request, "audit.export")
    rows = (
        [
            event.seq,
            timezone.localtime(event.created_at).strftime("%Y-%m-%d %H:%M:%S"),
            event.actor_name,
            event.action,
            f"{event.object_type}:{event.object_id}" if event.object_type else "",
            event.case_id or "",
            event.ip_address or "",
            event.detail,
        ]
        for event in audit_filter.qs.iterator(chunk_size=2000)
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return csv_response(f"{_('audit-trail')}-{stamp}.csv", [str(h) for h in AUDIT_CSV_HEADER], rows)


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return "/"
    return target


@login_required
def otp_setup(request):
    """Set up a TOTP authenticator: scan the QR code (drawn here, no outside service), enter a first code."""
    if user_has_device(request.user, confirmed=True):
        return redirect(_next_url(request))
    device = services.two_factor_device_for_setup(user=request.user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.two_factor_confirm(
            user=request.user, device=device, token=form.cleaned_data["token"], ip_address=client_ip(request)
        ):
            otp_login(request, device)
            messages.success(request, _("Two-factor login is set up."))
            return redirect(_next_url(request))
        form.add_error("token", _("The code is not correct. Check the time on your phone and try again."))
    context = {
        "form": form,
        "qr_svg": segno.make(device.config_url, error="m").svg_inline(scale=4, dark="#000", light="#fff"),
        "secret": base64.b32encode(device.bin_key).decode(),
        "next": _next_url(request),
    }
    return render(request, "registration/otp_setup.html", context)


@login_required
def otp_verify(request):
    """Second step of the login for users with an authenticator."""
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = services.two_factor_verify(
            user=request.user, token=form.cleaned_data["token"], ip_address=client_ip(request)
        )
        if device is not None:
            otp_login(request, device)
            return redirect(_next_url(request))
        form.add_error(
            "token", _("The code is not correct, or too many wrong codes were entered; wait and try again.")
        )
    return render(request, "registration/otp_verify.html", {"form": form, "next": _next_url(request)})


def _require_account_admin(request) -> None:
    if not can_manage_accounts(request.user):
        raise PermissionDenied(_("Only bureau administrators can manage accounts."))


@login_required
def account_list(request):
    _require_account_admin(request)
    accounts = (
        manageable_accounts(request.user).select_related("team").order_by("team__name_zh", "role", "username")
    )
    page = Paginator(accounts, 50).get_page(request.GET.get("page"))
    return render(request, "portal/accounts.html", {"page": page})


@login_required
def account_create(request):
    _require_account_admin(request)
    form = AccountForm(request.POST or None, bureau=request.user.bureau)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        created = run_step(
            request,
            services.account_create,
            actor=request.user,
            username=data["username"],
            password=data["password"],
            role=data["role"],
            team=data["team"],
            display_name=data["display_name"],
            email=data["email"],
            language=data["language"],
            success=_("The account was created."),
        )
        if created:
            return redirect("accounts")
    return render(request, "portal/account_form.html", {"form": form, "title": _("New account")})


@login_required
def account_edit(request, pk):
    _require_account_admin(request)
    account = get_object_or_404(manageable_accounts(request.user), pk=pk)
    form = AccountForm(request.POST or None, instance=account, bureau=request.user.bureau)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = run_step(
            request,
            services.account_update,
            actor=request.user,
            user=account,
            role=data["role"],
            team=data["team"],
            is_active=data["is_active"],
            display_name=data["display_name"],
            email=data["email"],
            language=data["language"],
            success=_("Saved."),
        )
        if done:
            return redirect("accounts")
    return render(
        request,
        "portal/account_form.html",
        {"form": form, "title": account.get_username(), "account": account},
    )
