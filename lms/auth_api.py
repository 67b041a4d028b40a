"""/api/v1/auth/token/: POST signs in (DRF's token view, JSON only as API.md says, with a rate
limit, the sign-in lockout, and a one-time code for staff when settings.REQUIRE_MFA_FOR_STAFF is
on); DELETE signs the token out. Tokens expire API_TOKEN_HOURS after issue (lms.auth_backends); a
password or role change revokes them (lms.sessions). Issue and sign-out are audited."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_serializer,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import NotAuthenticated, ValidationError
from rest_framework.response import Response

from lms import mfa
from lms.api_schema import error_response, error_responses
from lms.audit import Action, record_event
from lms.auth_backends import CachedTokenAuthentication, token_expires_at
from lms.lockout import SignInLocked, lockout_seconds_left
from lms.models import TokenVerification
from lms.parsers import JSONParser
from lms.scoping import viewer_person
from lms.throttles import ScopedRateThrottle


@extend_schema_serializer(component_name="Token")  # the request body: "TokenRequest"
class TokenRequestSerializer(AuthTokenSerializer):
    otp_token = serializers.CharField(
        label=_("One-time code"),
        required=False,
        write_only=True,
        help_text="Required for staff accounts when two-factor sign-in is enforced.",
    )

    def validate(self, attrs):
        attrs = super().validate(attrs)
        user = attrs["user"]
        attrs["mfa"] = mfa.mfa_required(user)
        if attrs["mfa"]:
            code = attrs.get("otp_token", "")
            if mfa.confirmed_device(user) is None:
                raise ValidationError(
                    {"otp_token": ["Set up an authenticator app at /accounts/mfa/enrol/ first."]}
                )
            if not code:
                raise ValidationError({"otp_token": ["This account needs a one-time code."]})
            if refusal := mfa.check_api_code(user=user, code=code):
                raise ValidationError({"otp_token": [refusal]})
        return attrs


@transaction.atomic
def token_issue(*, user, mfa_verified: bool) -> Token:
    """The user's token (one per user, DRF's model): the current one while it is unexpired
    and, when this sign-in verified a code, was issued with one too; else a new one (the old
    one is deleted). Audited, with whether a code was verified."""
    token = Token.objects.select_for_update().filter(user=user).first()
    verified = TokenVerification.objects.filter(token=token, mfa=True).exists() if token else False
    fresh = token is None or token_expires_at(token.created) <= timezone.now()
    if fresh or (mfa_verified and not verified):
        if token is not None:
            token.delete()
        token = Token.objects.create(user=user)
        TokenVerification.objects.create(token=token, mfa=mfa_verified)
        fresh = True
    person = viewer_person(user)
    record_event(
        action=Action.TOKEN_ISSUED,
        actor=user,
        agency_id=person.agency_id if person else None,
        person_id=person.pk if person else None,
        data={"mfa": mfa_verified or verified, "new": fresh},
    )
    return token


@transaction.atomic
def token_sign_out(*, token: Token) -> None:
    """Revoke the token the request came with; audited in the same transaction."""
    user = token.user
    Token.objects.filter(key=token.key).delete()
    person = viewer_person(user)
    record_event(
        action=Action.TOKEN_REVOKED,
        actor=user,
        agency_id=person.agency_id if person else None,
        person_id=person.pk if person else None,
        data={"reason": "sign-out"},
    )


class TokenView(ObtainAuthToken):
    serializer_class = TokenRequestSerializer
    throttle_classes = (ScopedRateThrottle,)
    throttle_scope = "auth_token"
    # DRF's view also takes forms; a body in three encodings is three request types to a
    # client generator (openapi-python-client's token module did not import). A form: 415.
    # Our JSON parser: nesting too deep is a 400.
    parser_classes = (JSONParser,)

    def get_authenticators(self):
        """DELETE signs out the token it is sent with: token authentication only."""
        if getattr(self.request, "method", None) == "DELETE":
            return [CachedTokenAuthentication()]
        return super().get_authenticators()

    @extend_schema(
        request=TokenRequestSerializer,
        auth=[],
        responses={
            200: inline_serializer(
                "TokenResponse",
                {"token": serializers.CharField(), "expires_at": serializers.DateTimeField()},
            ),
            400: error_response(400, "Wrong credentials or one-time code."),
            429: error_response(429, "Locked out after failed sign-ins, or throttled."),
            **error_responses(415),
        },
    )
    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        try:
            serializer.is_valid(raise_exception=True)
        except ValidationError:
            # django-axes flags the request it refused (lms.lockout; audited in lms.signals).
            if getattr(request, "axes_locked_out", False):
                raise SignInLocked(lockout_seconds_left(request, request.data)) from None
            raise
        data = serializer.validated_data
        token = token_issue(user=data["user"], mfa_verified=data["mfa"])
        return Response({"token": token.key, "expires_at": token_expires_at(token.created)})

    @extend_schema(
        request=None,
        responses={
            204: OpenApiResponse(description="Signed out: the token no longer works."),
            401: error_response(401, "No valid token sent."),
        },
    )
    def delete(self, request, *args, **kwargs):
        if not isinstance(request.auth, Token):
            raise NotAuthenticated()
        token_sign_out(token=request.auth)
        return Response(status=204)
