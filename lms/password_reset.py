"""Password reset on the site, for learners and staff alike (Wagtail's admin reset is off:
WAGTAIL_PASSWORD_RESET_ENABLED), on Django's views.

What the requester sees never depends on whether an account uses the address: the same
redirect, the same page, the same database work before the answer (one account lookup, one
audit event, one task queued once the request's writes commit), and the email itself is
rendered and sent by a worker (`reset_emails_send`, retried with backoff if the mail server
fails), so its time cannot be measured either. The task carries only account ids (none for
an unknown address); the token is made when the email is rendered and stored nowhere.

Limits, counted in the shared cache (lms.throttles.PageThrottle): requests per address
("password_reset_address", over it a 429 page with Retry-After, whatever was asked) and emails
per account ("password_reset_account", over it nothing is sent and the answer is the same).
Both are audit events: PASSWORD_RESET_REQUESTED (sent, or held back and why, or no account)
and PASSWORD_RESET. A reset sets the password through `set_password` and `save`, which ends
the account's other sessions.
"""

import hashlib
import unicodedata
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse_lazy
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from background.retry import retrying_task
from lms.audit import Action, client_ip, record_event
from lms.scoping import viewer_person
from lms.throttles import PageThrottle, too_many_requests


def _same_address(one: str, other: str) -> bool:
    """Django's comparison (`auth.forms._unicode_ci_compare`): NFKC, then case-folded."""
    return unicodedata.normalize("NFKC", one).casefold() == (
        unicodedata.normalize("NFKC", other).casefold()
    )


def _person_fields(user) -> dict:
    person = viewer_person(user)
    return {
        "agency_id": person.agency_id if person else None,
        "person_id": person.pk if person else None,
    }


SUBJECT_TEMPLATE = "registration/password_reset_subject.txt"
BODY_TEMPLATE = "registration/password_reset_email.txt"


@retrying_task(attempts=4, backoff=timedelta(seconds=30))
def reset_emails_send(*, user_ids: list[int]) -> int:
    """Email each account (still active, with a usable password) its reset link, rendered
    here with a fresh token. Returns how many were sent."""
    users = get_user_model()._default_manager.filter(pk__in=user_ids, is_active=True)
    sent = 0
    for user in users.order_by("pk"):
        if not user.has_usable_password():
            continue
        email = getattr(user, user.get_email_field_name())
        context = {
            "email": email,
            "user": user,
            "uid": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
            "site_name": settings.WAGTAIL_SITE_NAME,
            # The link is built on SITE_URL, never on the Host header a request came with.
            "site_url": settings.SITE_URL,
            "valid_minutes": settings.PASSWORD_RESET_TIMEOUT // 60,
        }
        # Rendered as Django's form does, but sent here: its send_mail logs a failure
        # instead of raising it, and a failure must raise to be retried.
        subject = "".join(render_to_string(SUBJECT_TEMPLATE, context).splitlines())
        body = render_to_string(BODY_TEMPLATE, context)
        EmailMultiAlternatives(subject, body, settings.DEFAULT_FROM_EMAIL, [email]).send()
        sent += 1
    return sent


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's form, which limits and audits each email, and collects the accounts to email
    in `pending` for the view to queue."""

    def get_users(self, email):
        """Django's choice (active accounts with a usable password whose address matches,
        compared as Django does), each with its person read in the same query: a known
        address costs no more queries than an unknown one."""
        user_model = get_user_model()
        field = user_model.get_email_field_name()
        candidates = user_model._default_manager.filter(
            **{f"{field}__iexact": email, "is_active": True}
        ).select_related("person")
        return [
            user
            for user in candidates
            if user.has_usable_password() and _same_address(email, getattr(user, field))
        ]

    def save(self, *, request, **options):
        self.request = request
        self.pending = []
        self.accounts = 0
        super().save(request=request, **options)
        if not self.accounts:
            email = self.cleaned_data["email"]
            # The same count as an account's, on the address asked for: the same work.
            self._allowed(f"email:{hashlib.sha256(email.casefold().encode()).hexdigest()}")
            record_event(
                action=Action.PASSWORD_RESET_REQUESTED,
                ip_address=client_ip(request),
                data={"account_found": False, "email": email[:254]},
            )

    def _allowed(self, key: str) -> bool:
        return PageThrottle("password_reset_account", key=key).allow_request(self.request, None)

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        user = context["user"]
        self.accounts += 1
        allowed = self._allowed(f"user:{user.pk}")
        if allowed:
            self.pending.append(user.pk)
        record_event(
            action=Action.PASSWORD_RESET_REQUESTED,
            actor_username=user.get_username(),
            ip_address=client_ip(self.request),
            data={"email_sent": True}
            if allowed
            else {"email_sent": False, "reason": "rate_limited"},
            **_person_fields(user),
        )


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetForm
    template_name = "registration/password_reset_form.html"
    email_template_name = BODY_TEMPLATE
    subject_template_name = SUBJECT_TEMPLATE
    success_url = reverse_lazy("password_reset_done")

    def post(self, request, *args, **kwargs):
        throttle = PageThrottle("password_reset_address")
        if not throttle.allow_request(request, None):
            return too_many_requests(request, throttle)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        response = super().form_valid(form)
        # Queued for every request, an empty list for an unknown address: the same work.
        transaction.on_commit(partial(reset_emails_send.enqueue, user_ids=form.pending))
        return response


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "registration/password_reset_done.html"

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "valid_minutes": settings.PASSWORD_RESET_TIMEOUT // 60,
        }


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """The emailed link: a new password, checked by AUTH_PASSWORD_VALIDATORS (SetPasswordForm),
    set with `set_password` and saved, which ends every session the account had."""

    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")

    @transaction.atomic
    def form_valid(self, form):
        response = super().form_valid(form)
        record_event(
            action=Action.PASSWORD_RESET,
            actor=self.user,
            ip_address=client_ip(self.request),
            **_person_fields(self.user),
        )
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "registration/password_reset_complete.html"
