from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from . import services
from .models import Notification


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
