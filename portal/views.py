import base64

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.views import PasswordChangeView
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import user_has_device

from . import services
from .exports import csv_response
from .filters import AuditEventFilter
from .forms import AccountForm, ApiClientForm, PersonalTokenForm, TokenForm
from .models import Notification
from .permissions import (
    can_manage_accounts,
    can_manage_api_clients,
    can_read_audit,
    manageable_accounts,
    manageable_api_clients,
    personal_tokens,
    visible_audit_events,
)
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
def notification_read(request, pk):
    """Mark one notification read; through htmx the answer is the updated line and navigation count."""
    notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
    services.mark_notifications_read(user=request.user, ids=[notification.pk])
    if request.headers.get("HX-Request"):
        notification.refresh_from_db()
        return render(request, "portal/_notification.html", {"n": notification, "swap_unread": True})
    return redirect("notifications")


@login_required
@require_POST
def notification_read_all(request):
    services.mark_notifications_read(user=request.user)
    if request.headers.get("HX-Request"):
        page = Paginator(
            Notification.objects.filter(recipient=request.user).order_by("-created_at", "-id"), 25
        ).get_page(request.POST.get("page"))
        return render(request, "portal/_notification_list.html", {"page": page, "swap_unread": True})
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
        "required": request.user.role in settings.PORTAL_2FA_REQUIRED_ROLES or request.user.is_superuser,
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


# --- API clients and personal tokens ------------------------------------------------------------


def _require_api_client_admin(request) -> None:
    if not can_manage_api_clients(request.user):
        raise PermissionDenied(_("Only bureau administrators can manage API clients."))


@never_cache
@login_required
def api_client_list(request):
    """The bureau's systems: register one (its token is shown on this answer only), see last use, revoke."""
    _require_api_client_admin(request)
    form = ApiClientForm(request.POST or None, bureau=request.user.bureau)
    new_token = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        created = run_step(
            request,
            services.api_client_create,
            actor=request.user,
            name=data["name"],
            scope=data["scope"],
            team=data["team"],
            success=_("The client was registered. Copy its token now: it will not be shown again."),
        )
        if created:
            new_token = created[1]
            form = ApiClientForm(bureau=request.user.bureau)
    clients = manageable_api_clients(request.user).select_related("user__team", "created_by")
    page = Paginator(clients, 50).get_page(request.GET.get("page"))
    return render(request, "portal/api_clients.html", {"form": form, "page": page, "new_token": new_token})


@login_required
@require_POST
def api_client_revoke(request, pk):
    _require_api_client_admin(request)
    client = get_object_or_404(manageable_api_clients(request.user), pk=pk)
    run_step(request, services.api_client_revoke, actor=request.user, client=client, success=_("Revoked."))
    return redirect("api_clients")


@never_cache
@login_required
def token_list(request):
    """A person's tokens for their own scripts: they act as the person, with the person's rights."""
    form = PersonalTokenForm(request.POST or None)
    new_token = None
    if request.method == "POST" and form.is_valid():
        created = run_step(
            request,
            services.personal_token_create,
            actor=request.user,
            name=form.cleaned_data["name"],
            scope=form.cleaned_data["scope"],
            success=_("The token was created. Copy it now: it will not be shown again."),
        )
        if created:
            new_token = created[1]
            form = PersonalTokenForm()
    tokens = personal_tokens(request.user)
    return render(request, "portal/tokens.html", {"form": form, "tokens": tokens, "new_token": new_token})


@login_required
@require_POST
def token_revoke(request, pk):
    token = get_object_or_404(personal_tokens(request.user), pk=pk)
    run_step(request, services.api_client_revoke, actor=request.user, client=token, success=_("Revoked."))
    return redirect("tokens")


# --- Notification preferences, the calendar feed, the working-day calendar, the outbox -----------


@login_required
def notification_preferences(request):
    """How the user hears of each kind of event: email at once, in the daily digest, or in the portal."""
    from .forms import NotificationPreferencesForm

    current = dict(request.user.notification_preferences.values_list("kind", "delivery"))
    form = NotificationPreferencesForm(request.POST or None, current=current)
    if request.method == "POST" and form.is_valid():
        run_step(
            request,
            services.notification_preferences_save,
            user=request.user,
            deliveries=form.cleaned_data,
            success=_("Your notification settings were saved."),
        )
        return redirect("notification_preferences")
    return render(request, "portal/notification_preferences.html", {"form": form})


@never_cache
@login_required
def calendar_feed(request):
    """The user's secret iCalendar link to their deadlines: made (shown once), made anew, or revoked."""
    from .models import CalendarFeed

    token = None
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            services.calendar_feed_revoke(user=request.user)
            messages.success(
                request, _("The calendar link was revoked; calendars using it get nothing more.")
            )
            return redirect("calendar_feed")
        token = services.calendar_feed_issue(user=request.user)
    feed = CalendarFeed.objects.filter(user=request.user).first()
    context = {
        "feed": feed,
        "feed_url": request.build_absolute_uri(reverse("collaboration:deadline_feed", args=[token]))
        if token
        else None,
    }
    return render(request, "portal/calendar_feed.html", context)


@login_required
def working_calendar(request):
    """The working-day calendar as entered: the years it covers and one year's holidays and make-up days."""
    from .forms import CalendarYearForm
    from .models import CalendarDay, CalendarYear
    from .permissions import can_edit_calendar

    today = timezone.localdate()
    try:
        year = int(request.GET.get("year", today.year))
    except ValueError:
        year = today.year
    years = list(CalendarYear.objects.order_by("-year").values_list("year", flat=True))
    entry = CalendarYear.objects.filter(year=year).select_related("updated_by").first()
    days = list(CalendarDay.objects.filter(year_id=year))
    holidays, working_days = CalendarYearForm.lines(days)
    context = {
        "year": year,
        "entry": entry,
        "years": years,
        "missing_years": [y for y in range(today.year, today.year + 2) if y not in years],
        "holidays": [day for day in days if not day.is_working_day],
        "working_days": [day for day in days if day.is_working_day],
        "can_edit": can_edit_calendar(request.user),
    }
    return render(request, "portal/calendar.html", context)


@login_required
def working_calendar_edit(request, year):
    """Enter or correct a year of the calendar (bureau administrators and superusers)."""
    from .forms import CalendarYearForm
    from .models import CalendarDay
    from .permissions import can_edit_calendar

    if not can_edit_calendar(request.user):
        raise PermissionDenied(_("Only administrators can edit the working-day calendar."))
    if not 2000 <= year <= 2100:
        raise Http404
    holidays, working_days = CalendarYearForm.lines(CalendarDay.objects.filter(year_id=year))
    form = CalendarYearForm(
        request.POST or None, year=year, initial={"holidays": holidays, "working_days": working_days}
    )
    if request.method == "POST" and form.is_valid():
        done = run_step(
            request,
            services.calendar_year_save,
            actor=request.user,
            year=year,
            days=form.cleaned_data["days"],
            success=_("The calendar of %(year)s was saved.") % {"year": year},
        )
        if done is not None:
            return redirect(reverse("working_calendar") + f"?year={year}")
    return render(request, "portal/calendar_edit.html", {"form": form, "year": year})


@login_required
def mail_outbox(request):
    """Bureau administrators follow the delivery of their bureau's emails: state, attempts, last error."""
    from django.db.models import Count

    from .permissions import visible_outbox

    if not can_manage_accounts(request.user):
        raise PermissionDenied(_("Only bureau administrators can follow the email delivery."))
    outbox = visible_outbox(request.user)
    if request.method == "POST":
        ids = [int(pk) for pk in request.POST.getlist("ids") if pk.isdigit()]
        count = services.outbox_retry_failed(actor=request.user, ids=ids)
        messages.success(request, _("%(count)s email(s) will be sent again.") % {"count": count})
        return redirect("mail_outbox")
    status = request.GET.get("status") or "failed"
    if status not in Notification.EmailStatus.values:
        status = "failed"
    counts = dict(outbox.values_list("email_status").annotate(n=Count("id")).values_list("email_status", "n"))
    rows = outbox.filter(email_status=status).select_related("recipient").order_by("-created_at", "-id")
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    statuses = [(value, label, counts.get(value, 0)) for value, label in Notification.EmailStatus.choices]
    return render(request, "portal/mail_outbox.html", {"page": page, "status": status, "statuses": statuses})


ACCOUNT_ACTIONS = {
    "unlock": (services.account_unlock, gettext_lazy("The login lockout was lifted.")),
    "reset_2fa": (
        services.account_reset_two_factor,
        gettext_lazy("Two-factor login was reset; it is set up again at the next login."),
    ),
}


@login_required
@require_POST
def account_action(request, pk, action):
    _require_account_admin(request)
    account = get_object_or_404(manageable_accounts(request.user), pk=pk)
    if action not in ACCOUNT_ACTIONS:
        raise Http404
    service, success = ACCOUNT_ACTIONS[action]
    run_step(request, service, actor=request.user, user=account, success=str(success))
    return redirect("account_edit", account.pk)


@login_required
def account_password(request, pk):
    """An administrator sets a new password for an account of their bureau (e.g. a forgotten one)."""
    _require_account_admin(request)
    account = get_object_or_404(manageable_accounts(request.user), pk=pk)
    form = SetPasswordForm(account, request.POST or None)
    if request.method == "POST" and form.is_valid():
        password = form.cleaned_data["new_password1"]
        if run_step(
            request,
            services.account_set_password,
            actor=request.user,
            user=account,
            password=password,
            success=_("The new password was set."),
        ):
            return redirect("account_edit", account.pk)
    title = _("New password for %(user)s") % {"user": account}
    return render(request, "portal/account_form.html", {"form": form, "title": title, "back_to": account})


class OwnPasswordChangeView(PasswordChangeView):
    """Everyone changes their own password (the old one is asked for). Audited."""

    template_name = "portal/account_form.html"
    success_url = reverse_lazy("cases:list")
    extra_context = {"title": gettext_lazy("Change my password")}

    def form_valid(self, form):
        response = super().form_valid(form)
        services.audit(
            actor=self.request.user, action="auth.password_change", ip_address=client_ip(self.request)
        )
        messages.success(self.request, _("Your password was changed."))
        return response
