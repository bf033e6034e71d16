"""Background jobs of the webhooks app (Django's tasks API; run by `manage.py db_worker`)."""

from __future__ import annotations

import logging

from django_tasks import task

from .models import DeliveryStatus, WebhookDelivery
from .services import webhook_deliveries_sweep, webhook_delivery_send

logger = logging.getLogger(__name__)


@task()
def webhook_delivery_attempt(delivery_id: int) -> str:
    """Attempt one delivery. After a failure the next attempt is queued for its time when the task
    backend can defer jobs (the database backend can); otherwise `webhooks_sweep` picks it up."""
    delivery = WebhookDelivery.objects.filter(pk=delivery_id).first()
    if delivery is None:
        return "missing"
    delivery = webhook_delivery_send(delivery)
    failed = delivery.status == DeliveryStatus.FAILED and delivery.next_attempt_at is not None
    if failed and webhook_delivery_attempt.get_backend().supports_defer:
        webhook_delivery_attempt.using(run_after=delivery.next_attempt_at).enqueue(delivery.pk)
    return str(delivery.status)


@task()
def webhooks_sweep() -> dict[str, int]:
    """Send every delivery whose attempt is due (retries, and sends whose job was lost)."""
    return webhook_deliveries_sweep()
