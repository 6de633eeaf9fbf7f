"""Who manages webhooks and who imports cases. Case visibility is cases.permissions' alone."""

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from portal.models import User
from portal.permissions import can_manage_accounts

from .models import WebhookDelivery, WebhookSubscription


def can_manage_webhooks(user: User) -> bool:
    """A bureau's administrators subscribe their bureau's systems to events."""
    return can_manage_accounts(user) and user.is_active


def manageable_subscriptions(user: User) -> QuerySet[WebhookSubscription]:
    if not can_manage_webhooks(user):
        return WebhookSubscription.objects.none()
    return WebhookSubscription.objects.filter(bureau_id=user.bureau_id)


def access_subscription(user: User, pk: int) -> WebhookSubscription:
    """A subscription of the administrator's bureau, else 404 (another bureau's is not revealed)."""
    try:
        return manageable_subscriptions(user).get(pk=pk)
    except WebhookSubscription.DoesNotExist:
        raise Http404(_("No such webhook subscription.")) from None


def access_delivery(user: User, subscription_pk: int, pk: int) -> WebhookDelivery:
    subscription = access_subscription(user, subscription_pk)
    try:
        return subscription.deliveries.get(pk=pk)
    except WebhookDelivery.DoesNotExist:
        raise Http404(_("No such delivery.")) from None


def can_import_case(user: User, participating_bureau_ids: set[int]) -> bool:
    """Officers and leaders of a team, and bureau administrators, import cases their bureau takes part in."""
    if not (user.is_authenticated and user.is_active and user.bureau_id in participating_bureau_ids):
        return False
    if user.role == User.Role.BUREAU_ADMIN:
        return True
    return user.team_id is not None and user.role in (User.Role.OFFICER, User.Role.LEADER)
