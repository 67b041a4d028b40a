"""The xAPI outbox and the learner's opaque id: what we owe a learning record store.

Statements are views of facts stored elsewhere (lesson progress, attempts, completions),
written here in the same transaction as the fact so that none is lost, and delivered later by
a task (xapi/delivery.py). A statement is never edited; only its delivery state changes.
"""

import uuid

from django.db import models

from lms.models import Person


class XapiAccount(models.Model):
    """The actor's `account.name` for a person: a random UUID, stable for life, that says
    nothing about who they are (no name, email or database id leaves the site)."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="xapi_account")
    name = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    def __str__(self) -> str:
        return str(self.name)


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERED = "delivered", "Delivered"
    REJECTED = "rejected", "Rejected by the LRS"


class OutboxStatement(models.Model):
    """One statement to deliver. Its id is the statement's id, assigned when it is written, so
    posting it again is harmless: the LRS keeps one copy (and answers 204 or 409).

    Delivery state: `attempts` made, `next_attempt_at` (backoff), `leased_by` /
    `leased_until` (a delivery run has it in hand until then), the LRS's last answer, and
    when it was delivered or rejected."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    statement = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    leased_until = models.DateTimeField(null=True, blank=True)
    leased_by = models.UUIDField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="xapi_outbox_due")]
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.id} ({self.status})"
