from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from portal.web import run_step

from . import permissions, services
from .events import EVENTS
from .forms import WebhookForm


def _require_admin(request) -> None:
    if not permissions.can_manage_webhooks(request.user):
        raise PermissionDenied(_("Only bureau administrators can manage webhooks."))


@never_cache
@login_required
def webhook_list(request):
    """The bureau's webhook subscriptions; a new one shows its signing secret on this answer only."""
    _require_admin(request)
    form = WebhookForm(request.POST or None)
    new_secret = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = run_step(
                request,
                services.webhook_subscription_create,
                actor=request.user,
                url=data["url"],
                events=data["events"],
                description=data["description"],
                success=_("Subscribed. Copy the signing secret now: it will not be shown again."),
            )
        except ValidationError as error:
            form.add_error("url", error.message_dict.get("url"))
            created = None
        if created:
            new_secret = created[1]
            form = WebhookForm()
    subscriptions = permissions.manageable_subscriptions(request.user).select_related("created_by")
    context = {"form": form, "subscriptions": subscriptions, "new_secret": new_secret, "event_names": EVENTS}
    return render(request, "interop/webhooks.html", context)


@login_required
def webhook_detail(request, pk):
    """A subscription's deliveries, newest first, with the receiver's answers; failed ones can be replayed."""
    _require_admin(request)
    subscription = permissions.access_subscription(request.user, pk)
    page = Paginator(subscription.deliveries.order_by("-created_at", "-id"), 25).get_page(
        request.GET.get("page")
    )
    return render(request, "interop/webhook_detail.html", {"subscription": subscription, "page": page})


@login_required
@require_POST
def webhook_set_active(request, pk):
    _require_admin(request)
    subscription = permissions.access_subscription(request.user, pk)
    active = request.POST.get("active") == "1"
    run_step(
        request,
        services.webhook_subscription_set_active,
        actor=request.user,
        subscription=subscription,
        active=active,
        success=_("Resumed.") if active else _("Paused."),
    )
    return redirect("interop:webhook_detail", subscription.pk)


@login_required
@require_POST
def webhook_replay(request, pk, delivery_pk):
    _require_admin(request)
    delivery = permissions.access_delivery(request.user, pk, delivery_pk)
    run_step(
        request,
        services.webhook_delivery_replay,
        actor=request.user,
        delivery=delivery,
        success=_("The delivery was queued again."),
    )
    return redirect("interop:webhook_detail", pk)
