from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from collaboration import selectors as request_selectors
from portal.services import audit
from portal.web import client_ip, run_step

from . import permissions, selectors, services
from .filters import CaseFilter
from .forms import CaseEditForm, CaseForm, CommentForm, DocumentForm, MemberForm, NoteForm, PartyForm

PAGE_SIZE = 25


@login_required
def case_list(request):
    case_filter = CaseFilter(request.GET, queryset=selectors.case_list(request.user))
    page = Paginator(case_filter.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "cases/list.html",
        {"filter": case_filter, "page": page, "can_create": permissions.can_create_case(request.user)},
    )


@login_required
def case_create(request):
    permissions.require(
        permissions.can_create_case(request.user),
        _("Only officers and leaders of a team can open joint cases."),
    )
    form = CaseForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        case = run_step(
            request,
            services.case_create,
            actor=request.user,
            partner_teams=list(form.cleaned_data["partner_teams"]),
            **{name: form.cleaned_data[name] for name in ("title", "summary", "category")},
            success=_("The case was created as a draft. Open it when it is ready."),
        )
        if case:
            return redirect("cases:detail", case.pk)
    return render(request, "cases/case_form.html", {"form": form, "title": _("New joint case")})


@login_required
def case_detail(request, pk):
    case = selectors.case_detail(request.user, pk)
    user = request.user
    context = {
        "case": case,
        "participants": case.participants.select_related("bureau", "team"),
        "members": case.members.select_related("user__bureau"),
        "parties": case.parties.all(),
        "documents": selectors.documents_of_case(case, user),
        "notes": selectors.notes_of_case(case, user),
        "note_form": NoteForm(),
        "requests": request_selectors.requests_of_case(case, user),
        "timeline": selectors.timeline_of_case(case, user),
        "can_work": permissions.can_work_on(user, case),
        "can_manage": permissions.can_manage_case(user, case),
        "can_approve_closure": permissions.can_approve_closure(user, case),
        "party_form": PartyForm(),
        "document_form": DocumentForm(),
        "max_upload_bytes": settings.PORTAL_MAX_UPLOAD_BYTES,
        "member_form": MemberForm(case=case, actor=user),
        "comment_form": CommentForm(),
    }
    audit(actor=user, action="case.view", obj=case, case_id=case.pk, ip_address=client_ip(request))
    return render(request, "cases/detail.html", context)


@login_required
def case_edit(request, pk):
    case = selectors.case_detail(request.user, pk)
    permissions.require(permissions.can_manage_case(request.user, case))
    form = CaseEditForm(request.POST or None, instance=case)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in ("title", "summary", "category")}
        if run_step(
            request, services.case_update, case=case, actor=request.user, **fields, success=_("Saved.")
        ):
            return redirect("cases:detail", case.pk)
    return render(request, "cases/case_form.html", {"form": form, "case": case, "title": _("Edit case")})


CASE_STEPS = {
    "open": (services.case_open, gettext_lazy("The case is open; its number has been issued.")),
    "investigate": (services.case_start_investigation, gettext_lazy("The investigation has started.")),
    "request_closure": (services.case_request_closure, gettext_lazy("Closure has been asked for.")),
    "approve_closure": (services.case_approve_closure, gettext_lazy("The case is closed.")),
}


@login_required
@require_POST
def case_step(request, pk, step):
    case = selectors.case_detail(request.user, pk)
    if step == "refuse_closure":
        form = CommentForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Please give a reason for refusing the closure."))
            return redirect("cases:detail", case.pk)
        run_step(
            request,
            services.case_refuse_closure,
            case=case,
            actor=request.user,
            comment=form.cleaned_data["comment"],
            success=_("The closure was refused."),
        )
        return redirect("cases:detail", case.pk)
    if step not in CASE_STEPS:
        raise Http404
    service, success = CASE_STEPS[step]
    run_step(request, service, case=case, actor=request.user, success=success)
    return redirect("cases:detail", case.pk)


@login_required
def party_add(request, pk):
    case = selectors.case_detail(request.user, pk)
    permissions.require(permissions.can_work_on(request.user, case))
    form = PartyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if run_step(
            request,
            services.party_add,
            case=case,
            actor=request.user,
            **form.cleaned_data,
            success=_("The party was added."),
        ):
            return redirect("cases:detail", case.pk)
    return render(request, "cases/party_form.html", {"form": form, "case": case})


@login_required
def member_add(request, pk):
    case = selectors.case_detail(request.user, pk)
    permissions.require(permissions.can_manage_case(request.user, case))
    form = MemberForm(request.POST or None, case=case, actor=request.user)
    if request.method == "POST" and form.is_valid():
        run_step(
            request,
            services.member_add,
            case=case,
            user=form.cleaned_data["user"],
            actor=request.user,
            success=_("Added to the case team."),
        )
    elif request.method == "POST":
        messages.error(request, _("Choose a colleague to add."))
    return redirect("cases:detail", case.pk)


@login_required
@require_POST
def note_add(request, pk):
    """Add a note. From htmx, answers with the refreshed notes list; otherwise redirects to the case."""
    case = selectors.case_detail(request.user, pk)
    permissions.require(permissions.can_work_on(request.user, case))
    form = NoteForm(request.POST)
    if form.is_valid():
        run_step(request, services.note_add, case=case, actor=request.user, **form.cleaned_data)
    else:
        messages.error(request, _("The note cannot be empty."))
    if request.headers.get("HX-Request"):
        context = {
            "case": case,
            "notes": selectors.notes_of_case(case, request.user),
            "note_form": NoteForm(),
            "can_work": True,
        }
        return render(request, "cases/_notes.html", context)
    return redirect("cases:detail", case.pk)


@login_required
def party_detail(request, pk, party_pk):
    """The one page that shows an individual's full identity number; every view of it is audited."""
    party = selectors.access_party(request.user, pk, party_pk)
    if party.id_number:
        audit(
            actor=request.user,
            action="party.view_identity",
            obj=party,
            case_id=party.case_id,
            ip_address=client_ip(request),
        )
    return render(request, "cases/party_detail.html", {"party": party, "case": party.case})
