from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cases.models import Document
from cases.permissions import can_work_on, require
from cases.selectors import case_detail, closures_awaiting_my_approval, visible_documents
from portal import uploads, workdays
from portal.web import run_step

from . import permissions, selectors, services
from .forms import AnswerForm, ApproveForm, AssignForm, ExtensionForm, ReasonForm, RequestForm
from .models import AssistanceRequest, DeadlineExtension


@login_required
def request_create(request, case_pk):
    case = case_detail(request.user, case_pk)
    require(can_work_on(request.user, case))
    form = RequestForm(
        request.POST or None,
        request.FILES or None,
        case=case,
        user=request.user,
    )
    if request.method == "POST" and not uploads.refuse_incomplete_upload(request) and form.is_valid():
        created = run_step(
            request,
            _create_with_attachments,
            case=case,
            actor=request.user,
            data=form.cleaned_data,
            success=_("The request was saved as a draft."),
        )
        if created:
            return redirect("collaboration:request_detail", created.pk)
    return render(request, "collaboration/request_form.html", {"form": form, "case": case})


def _create_with_attachments(*, case, actor, data):
    fields = {k: v for k, v in data.items() if k != "attachments"}
    assistance_request = services.request_create(case=case, actor=actor, **fields)
    for uploaded in data["attachments"]:
        services.request_attach_document(request=assistance_request, actor=actor, uploaded_file=uploaded)
    return assistance_request


@login_required
def request_edit(request, pk):
    assistance_request = permissions.access_request(request.user, pk)
    require(permissions.can_edit_draft(request.user, assistance_request))
    form = RequestForm(
        request.POST or None,
        request.FILES or None,
        instance=assistance_request,
        case=assistance_request.case,
        user=request.user,
    )
    if request.method == "POST" and not uploads.refuse_incomplete_upload(request) and form.is_valid():
        data = form.cleaned_data
        fields = {k: v for k, v in data.items() if k != "attachments"}

        def save(**_):
            services.request_update(request=assistance_request, actor=request.user, **fields)
            for uploaded in data["attachments"]:
                services.request_attach_document(
                    request=assistance_request, actor=request.user, uploaded_file=uploaded
                )
            return True

        if run_step(request, save, success=_("Saved.")):
            return redirect("collaboration:request_detail", assistance_request.pk)
    return render(
        request,
        "collaboration/request_form.html",
        {"form": form, "case": assistance_request.case, "assistance_request": assistance_request},
    )


@login_required
def request_detail(request, pk):
    assistance_request = permissions.access_request(request.user, pk)
    user = request.user
    due = assistance_request.due_date
    extensions = list(assistance_request.extensions.select_related("requested_by", "decided_by"))
    pending_extension = next((e for e in extensions if e.status == DeadlineExtension.Status.PENDING), None)
    is_open = assistance_request.status in AssistanceRequest.OPEN_STATUSES
    today = timezone.localdate()
    left = workdays.working_days_between(today, due) if due else None
    context = {
        "extensions": extensions,
        "pending_extension": pending_extension,
        "can_ask_extension": is_open
        and pending_extension is None
        and due is not None
        and today <= due
        and permissions.can_ask_extension(user, assistance_request),
        "can_decide_extension": is_open
        and pending_extension is not None
        and permissions.can_decide_extension(user, assistance_request),
        "extension_form": ExtensionForm(),
        "approve_form": ApproveForm(initial={"time_limit_days": assistance_request.time_limit_days}),
        "overdue": due is not None and due < today,
        "req": assistance_request,
        "case": assistance_request.case,
        "documents": visible_documents(user, assistance_request.documents.select_related("uploaded_by")),
        "responses": assistance_request.responses.select_related("created_by").prefetch_related(
            Prefetch(
                "documents", queryset=visible_documents(user, Document.objects.select_related("uploaded_by"))
            )
        ),
        "working_days_left": left,
        "overdue_days": max(-left, 0) if left is not None else 0,
        "can_edit": permissions.can_edit_draft(user, assistance_request),
        "on_requesting_side": permissions.on_requesting_side(user, assistance_request),
        "can_approve": permissions.can_approve(user, assistance_request),
        "can_accept": permissions.can_accept(user, assistance_request),
        "is_assignee": permissions.is_assignee(user, assistance_request),
        "assign_form": AssignForm(request=assistance_request),
        "reason_form": ReasonForm(),
        "answer_form": AnswerForm(),
        "Status": AssistanceRequest.Status,
    }
    return render(request, "collaboration/request_detail.html", context)


SIMPLE_STEPS = {
    "submit": (services.request_submit, gettext_lazy("Submitted to your team leader for approval.")),
    "start": (services.request_start, gettext_lazy("Work has started.")),
    "complete": (services.request_complete, gettext_lazy("The request is completed.")),
}


@login_required
@require_POST
def request_step(request, pk, step):
    assistance_request = permissions.access_request(request.user, pk)
    actor = request.user
    if step in SIMPLE_STEPS:
        service, success = SIMPLE_STEPS[step]
        run_step(request, service, request=assistance_request, actor=actor, success=success)
    elif step in ("return", "decline"):
        form = ReasonForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Please give a reason."))
        elif step == "return":
            run_step(
                request,
                services.request_return,
                request=assistance_request,
                actor=actor,
                comment=form.cleaned_data["reason"],
                success=_("Returned to the drafter."),
            )
        else:
            run_step(
                request,
                services.request_decline,
                request=assistance_request,
                actor=actor,
                reason=form.cleaned_data["reason"],
                success=_("The request was declined."),
            )
    elif step == "approve":
        form = ApproveForm(request.POST)
        if form.is_valid():
            run_step(
                request,
                services.request_approve,
                request=assistance_request,
                actor=actor,
                time_limit_days=form.cleaned_data["time_limit_days"],
                success=_("Approved and sent."),
            )
        else:
            messages.error(request, _("The time limit must be between 1 and 90 working days."))
    elif step == "extend":
        form = ExtensionForm(request.POST)
        if form.is_valid():
            run_step(
                request,
                services.extension_request,
                request=assistance_request,
                actor=actor,
                new_due_date=form.cleaned_data["new_due_date"],
                reason=form.cleaned_data["reason"],
                success=_("Your request for more time was sent to the requesting team's leader."),
            )
        else:
            messages.error(request, _("Give the new due date and the reason."))
    elif step == "extension_approve":
        run_step(
            request,
            services.extension_approve,
            request=assistance_request,
            actor=actor,
            comment=request.POST.get("reason", ""),
            success=_("The deadline was extended."),
        )
    elif step == "extension_refuse":
        form = ReasonForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Please give a reason."))
        else:
            run_step(
                request,
                services.extension_refuse,
                request=assistance_request,
                actor=actor,
                reason=form.cleaned_data["reason"],
                success=_("The extension was refused."),
            )
    elif step == "accept":
        form = AssignForm(request.POST, request=assistance_request)
        if form.is_valid():
            run_step(
                request,
                services.request_accept,
                request=assistance_request,
                actor=actor,
                assignee=form.cleaned_data["assignee"],
                success=_("Accepted and assigned."),
            )
        else:
            messages.error(request, _("Choose the officer who will handle the request."))
    elif step == "answer":
        form = AnswerForm(request.POST, request.FILES)
        if uploads.refuse_incomplete_upload(request):
            pass  # the refused file is named in an error message; nothing is answered
        elif form.is_valid():
            run_step(
                request,
                services.request_answer,
                request=assistance_request,
                actor=actor,
                body=form.cleaned_data["body"],
                files=form.cleaned_data["files"],
                success=_("Your answer was sent."),
            )
        else:
            messages.error(request, _("The answer cannot be empty."))
    else:
        raise Http404
    return redirect("collaboration:request_detail", assistance_request.pk)


@login_required
def queue(request):
    """The leader's approval queues and the officer's assigned requests, 25 rows a page each."""
    rows = selectors.queue(request.user) | {"assigned": selectors.assigned_to_me(request.user)}
    pages = {
        name: Paginator(qs, QUEUE_PAGE_SIZE).get_page(request.GET.get(f"{name}_page"))
        for name, qs in rows.items()
    }
    with_days_left([row for page in pages.values() for row in page])
    closures = closures_awaiting_my_approval(request.user)
    pages["closures"] = Paginator(closures, QUEUE_PAGE_SIZE).get_page(request.GET.get("closures_page"))
    return render(request, "collaboration/queue.html", pages)


def with_days_left(rows) -> None:
    """Set `days_left` (working days to the due date, negative when overdue) on each row: one calendar read."""
    rows = list(rows)
    today = timezone.localdate()
    for row, left in zip(rows, workdays.days_left(today, [r.due_date for r in rows]), strict=True):
        row.days_left = left
        row.overdue = row.due_date is not None and row.due_date < today
        row.overdue_days = max(-left, 0) if left is not None else 0


def deadline_feed(request, token):
    """The iCalendar feed of the deadlines that concern the link's owner; no login, the link is the secret.

    An unknown or revoked link, or one of a deactivated account, answers 404. Only requests of cases the
    owner may see are in it (selectors.deadlines_of, the one policy). Two queries.
    """
    from portal.services import calendar_feed_owner

    from .ics import deadlines_calendar

    user = calendar_feed_owner(token)
    if user is None:
        raise Http404
    body = deadlines_calendar(user, selectors.deadlines_of(user)[:FEED_LIMIT])
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    return response


FEED_LIMIT = 1000


QUEUE_PAGE_SIZE = 25
