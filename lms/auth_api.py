"""POST /api/v1/auth/token/: DRF's token view with a rate limit, the sign-in lockout, and a
one-time code for staff when settings.REQUIRE_MFA_FOR_STAFF is on."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from lms import mfa
from lms.lockout import SignInLocked
from lms.parsers import JSONParser
from lms.throttles import ScopedRateThrottle


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
        if mfa.mfa_required(user):
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


class TokenView(ObtainAuthToken):
    serializer_class = TokenRequestSerializer
    throttle_classes = (ScopedRateThrottle,)
    throttle_scope = "auth_token"
    # ObtainAuthToken names DRF's parsers itself: ours for JSON (deep nesting is a 400).
    parser_classes = (FormParser, MultiPartParser, JSONParser)

    @extend_schema(
        request=TokenRequestSerializer,
        responses={
            200: inline_serializer("TokenResponse", {"token": serializers.CharField()}),
            400: OpenApiResponse(description="Wrong credentials or one-time code."),
            429: OpenApiResponse(description="Locked out after failed sign-ins, or throttled."),
        },
    )
    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        try:
            serializer.is_valid(raise_exception=True)
        except ValidationError:
            # django-axes flags the request it refused (lms.lockout; audited in lms.signals).
            if getattr(request, "axes_locked_out", False):
                raise SignInLocked() from None
            raise
        token, _ = Token.objects.get_or_create(user=serializer.validated_data["user"])
        return Response({"token": token.key})
