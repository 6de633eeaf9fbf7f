"""Pages of documents and evidence: upload, download, preview, seal, versions, packages, verification.

Every document is reached through `selectors.access_document` (404 outside the case policy or inside
another bureau's internal material) and every package through `selectors.access_package`.
Stored files are only ever served as attachments, except the preview of the allow-listed detected types,
and both carry a sandboxing Content-Security-Policy and `nosniff`.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal import uploads
from portal.services import audit
from portal.web import client_ip, run_step

from .. import permissions, selectors, services
from ..forms import DocumentForm, PackageForm, VerifyForm, VersionForm, WithdrawForm
from . import filetypes, storage
from .names import clean_file_name
from .package import stream_zip
from .verify import verify_upload

# Stored files never run anything: no script, no plugin, no form, no navigation of the portal's origin.
DOWNLOAD_CSP = "sandbox; default-src 'none'"
PREVIEW_CSP = "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"


def _wants_json(request) -> bool:
    return request.headers.get("X-Requested-With") == "XMLHttpRequest"


def _interrupted_response():
    return HttpResponse(
        _("The upload was interrupted; nothing was stored."), status=400, content_type="text/plain"
    )


def _report_refused(request) -> bool:
    refused = uploads.refused_uploads(request)
    for message in refused:
        messages.error(request, message)
    return bool(refused)


def _document_url(document) -> str:
    return reverse("cases:document_detail", args=[document.case_id, document.pk])


def _tell_earlier_copies(request, document) -> None:
    copies = list(selectors.earlier_copies(document, request.user)[:5])
    if copies:
        links = format_html_join(", ", '<a href="{}">{}</a>', ((_document_url(c), c.title) for c in copies))
        messages.warning(
            request,
            format_html(
                _(
                    "The same content is already in this case as {links}; “{name}” was sealed again as a separate record."
                ),
                links=links,
                name=document.original_name,
            ),
        )


def _open_or_explain(request, document):
    """The stored file, or None after telling the user it is missing (the integrity sweep alerts too)."""
    try:
        return storage.open_blob(document.file.name)
    except FileNotFoundError:
        messages.error(
            request, _("The stored file of this document is missing; the administrators are alerted.")
        )
        return None


def _seal_headers(response, csp: str):
    response["Content-Security-Policy"] = csp
    response["X-Content-Type-Options"] = "nosniff"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def document_upload(request, pk):
    """Several files at once, or one per request from the page's script (which asks for JSON back)."""
    case = selectors.case_detail(request.user, pk)
    permissions.require(permissions.can_work_on(request.user, case))
    if uploads.upload_interrupted(request):
        return _interrupted_response()
    refused = _report_refused(request)
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        for uploaded in form.cleaned_data["files"]:
            document = run_step(
                request,
                services.document_upload,
                case=case,
                actor=request.user,
                uploaded_file=uploaded,
                title=form.cleaned_data["title"],
                internal=form.cleaned_data["internal"],
                success=_("Uploaded and sealed: %(name)s") % {"name": clean_file_name(uploaded.name)},
            )
            if document:
                _tell_earlier_copies(request, document)
    elif not refused:
        messages.error(request, _("Choose at least one file to upload."))
    url = reverse("cases:detail", args=[case.pk]) + "#documents"
    return JsonResponse({"redirect": url}) if _wants_json(request) else redirect(url)


@login_required
def document_detail(request, pk, document_pk):
    """The seal of one document, its versions, where else its content is, and the corrections allowed."""
    document = selectors.access_document(request.user, pk, document_pk)
    can_correct = permissions.can_correct_document(request.user, document)
    context = {
        "case": document.case,
        "document": document,
        "versions": selectors.versions_of(document, request.user),
        "copies": selectors.earlier_copies(document, request.user).select_related("uploaded_by"),
        "can_correct": can_correct,
        "version_form": VersionForm(),
        "withdraw_form": WithdrawForm(),
        "max_upload_bytes": settings.PORTAL_MAX_UPLOAD_BYTES,
    }
    return render(request, "cases/document_detail.html", context)


@login_required
def document_download(request, pk, document_pk):
    """Always an attachment, never rendered inline: evidence may be HTML or a script."""
    document = selectors.access_document(request.user, pk, document_pk)
    stream = _open_or_explain(request, document)
    if stream is None:
        return redirect(_document_url(document))
    return attachment_response(request, document, stream)


def attachment_response(request, document, stream) -> FileResponse:
    """The sealed bytes as an attachment with the safe headers, the download audited. Pages and the API
    both answer downloads with this."""
    audit(
        actor=request.user,
        action="document.download",
        obj=document,
        case_id=document.case_id,
        ip_address=client_ip(request),
        internal_bureau_id=document.internal_bureau_id,
    )
    response = FileResponse(
        stream,
        as_attachment=True,
        filename=document.original_name,
        content_type="application/octet-stream",
    )
    response["X-Content-SHA256"] = document.sha256
    return _seal_headers(response, DOWNLOAD_CSP)


@login_required
def document_preview(request, pk, document_pk):
    """Inline, only for the detected types of the allow-list (images, PDF, plain text), in a sandbox."""
    document = selectors.access_document(request.user, pk, document_pk)
    if not filetypes.previewable(document.content_type):
        raise PermissionDenied(_("Files of this type are never shown in the browser; download it instead."))
    stream = _open_or_explain(request, document)
    if stream is None:
        return redirect(_document_url(document))
    content_type = document.content_type
    if content_type == filetypes.TEXT:
        with stream:
            content_type += "; charset=" + filetypes.text_charset(stream.read(filetypes.HEAD_BYTES))
        stream = storage.open_blob(document.file.name)
    audit(
        actor=request.user,
        action="document.view",
        obj=document,
        case_id=document.case_id,
        ip_address=client_ip(request),
        internal_bureau_id=document.internal_bureau_id,
    )
    response = FileResponse(
        stream,
        as_attachment=False,
        filename=document.original_name,
        content_type=content_type,
    )
    return _seal_headers(response, PREVIEW_CSP)


@login_required
@require_POST
def document_new_version(request, pk, document_pk):
    document = selectors.access_document(request.user, pk, document_pk)
    permissions.require(
        permissions.can_correct_document(request.user, document),
        _("Only the bureau that provided this document can correct it, while the case is not closed."),
    )
    if uploads.upload_interrupted(request):
        return _interrupted_response()
    refused = _report_refused(request)
    form = VersionForm(request.POST, request.FILES)
    target = _document_url(document)
    if form.is_valid():
        new = run_step(
            request,
            services.document_new_version,
            document=document,
            actor=request.user,
            uploaded_file=form.cleaned_data["file"],
            title=form.cleaned_data["title"],
            success=_("The corrected version was sealed."),
        )
        if new:
            _tell_earlier_copies(request, new)
            target = _document_url(new)
    elif not refused:
        messages.error(request, _("Choose the file of the corrected version."))
    return JsonResponse({"redirect": target}) if _wants_json(request) else redirect(target)


@login_required
@require_POST
def document_withdraw(request, pk, document_pk):
    document = selectors.access_document(request.user, pk, document_pk)
    permissions.require(
        permissions.can_correct_document(request.user, document),
        _("Only the bureau that provided this document can withdraw it, while the case is not closed."),
    )
    form = WithdrawForm(request.POST)
    if form.is_valid():
        run_step(
            request,
            services.document_withdraw,
            document=document,
            actor=request.user,
            reason=form.cleaned_data["reason"],
            success=_("The document was withdrawn. It stays on the case, marked as withdrawn."),
        )
    else:
        messages.error(request, _("Please give a reason for the withdrawal."))
    return redirect(_document_url(document))


@login_required
@require_POST
def package_create(request, pk):
    """Export the chosen documents (or all the user may see) as a package; shows its manifest's hash."""
    case = selectors.case_detail(request.user, pk)
    form = PackageForm(request.POST)
    ids = (form.cleaned_data["documents"] or None) if form.is_valid() else None
    package = run_step(request, services.package_create, case=case, actor=request.user, document_ids=ids)
    if package is None:
        return redirect(reverse("cases:detail", args=[case.pk]) + "#documents")
    return redirect("cases:package_detail", case.pk, package.pk)


@login_required
def package_detail(request, pk, package_pk):
    package = selectors.access_package(request.user, pk, package_pk)
    documents = selectors.package_documents(package)
    context = {
        "case": package.case,
        "package": package,
        "documents": sorted(documents.values(), key=lambda d: (d.uploaded_at, d.pk)),
        "damaged": [d for d in documents.values() if d.integrity in ("mismatch", "missing")],
    }
    return render(request, "cases/package_detail.html", context)


@login_required
def package_download(request, pk, package_pk):
    """The ZIP, streamed from the stored manifest and the sealed files: constant memory at any size."""
    package = selectors.access_package(request.user, pk, package_pk)
    documents = selectors.package_documents(package)
    missing = [d for d in documents.values() if not storage.blob_exists(d.file.name)]
    if missing:
        messages.error(
            request,
            _("The stored file of %(titles)s is missing, so the package cannot be put together.")
            % {"titles": "、".join(f"“{d.title}”" for d in missing)},
        )
        return redirect("cases:package_detail", package.case_id, package.pk)
    audit(
        actor=request.user,
        action="package.download",
        obj=package,
        case_id=package.case_id,
        detail={"manifest_sha256": package.manifest_sha256},
        ip_address=client_ip(request),
        internal_bureau_id=package.internal_bureau_id,
    )
    response = StreamingHttpResponse(stream_zip(package, documents), content_type="application/zip")
    name = f"{package.case.reference}-{_('evidence-package')}-{package.pk}.zip"
    response["Content-Disposition"] = content_disposition_header(True, clean_file_name(name))
    return _seal_headers(response, DOWNLOAD_CSP)


@login_required
def verify(request):
    """Check an evidence package or a single file against the seals the user may see."""
    report = None
    form = VerifyForm()
    if request.method == "POST":
        if uploads.upload_interrupted(request):
            return _interrupted_response()
        refused = _report_refused(request)
        form = VerifyForm(request.POST, request.FILES)
        if form.is_valid():
            report = verify_upload(
                form.cleaned_data["file"],
                selectors.VisibleSeals(request.user),
                max_total_bytes=settings.PORTAL_MAX_UPLOAD_REQUEST_BYTES,
            )
            audit(
                actor=request.user,
                action="evidence.verify",
                detail={"kind": report.kind, "sha256": report.sha256, "ok": report.ok},
                ip_address=client_ip(request),
            )
        elif refused:
            form = VerifyForm()
    return render(request, "cases/verify.html", {"form": form, "report": report})
