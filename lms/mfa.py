"""Two-factor sign-in for staff: TOTP devices from django-otp.

With settings.REQUIRE_MFA_FOR_STAFF, a user holding a staff role (lms.roles.STAFF_ROLES, or
is_staff / is_superuser) must verify a one-time code in this session before any page under
STAFF_PREFIXES: unenrolled users are sent to enrol, enrolled ones to verify. API tokens of
such users are only issued with a valid code (lms.auth_api), and each token records whether it
was (lms.models.TokenVerification). Every way in to staff data (the report API and its CSV,
another person's certificate PDF) goes through `staff_data_access`, which refuses a session
not verified since sign-in and a token issued without a code: one issued to a learner since
promoted, or before the setting was switched on. Wrong codes are throttled by django-otp
(growing delays) and audited.
"""

from base64 import b32encode

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice
from reportlab.graphics.barcode import qrencoder
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import PermissionDenied

from lms.audit import Action, record_event
from lms.roles import user_has_staff_role
from lms.scoping import viewer_person

STAFF_PREFIXES = (
    "/admin/",
    "/django-admin/",
    "/oversight/",
    "/compliance/staff/",
    "/api/v1/reports/",
    "/api/v1/training-records/",
)
OPEN_PATHS = ("/admin/login/", "/admin/logout/", "/django-admin/login/", "/django-admin/logout/")
DEVICE_NAME = "Authenticator app"


def mfa_required(user) -> bool:
    """Whether this user must verify a code before staff pages (setting on, staff role)."""
    return settings.REQUIRE_MFA_FOR_STAFF and user_has_staff_role(user)


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def pending_device(user) -> TOTPDevice:
    """The user's unconfirmed device, created once so the key shown stays the same on reload."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def manual_key(device: TOTPDevice) -> str:
    """The secret in base32, in groups of four, for typing into an app."""
    key = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def qr_svg(data: str, *, scale: int = 4, border: int = 4) -> str:
    """An SVG QR code of `data`: one path of dark squares, no script, no inline style."""
    code = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    code.addData(data)
    code.make()
    count = code.getModuleCount()
    squares = format_html_join(
        "",
        "M{} {}h1v1h-1z",
        (
            (col + border, row + border)
            for row in range(count)
            for col in range(count)
            if code.isDark(row, col)
        ),
    )
    size = count + 2 * border
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {0} {0}" width="{1}" height="{1}"'
        ' role="img" aria-label="QR code for your authenticator app" shape-rendering="crispEdges">'
        '<rect width="{0}" height="{0}" fill="#fff"/><path fill="#000" d="{2}"/></svg>',
        size,
        size * scale,
        squares,
    )


def _audit(action: str, user, data: dict) -> None:
    person = viewer_person(user)
    record_event(
        action=action,
        actor=user,
        agency_id=person.agency_id if person else None,
        person_id=person.pk if person else None,
        data=data,
    )


WRONG_CODE = "That code is not right. Enter the code your app shows now."
TOO_MANY = "Too many wrong codes. Wait a few seconds, then enter the newest code from your app."


def _refusal(device: TOTPDevice | None, code: str) -> str | None:
    """Why `code` is refused for `device`, or None when it is accepted. After a wrong code
    django-otp refuses every code for a delay that doubles with each failure."""
    if device is None:
        return WRONG_CODE
    if not device.verify_is_allowed()[0]:
        return TOO_MANY
    return None if device.verify_token(code.strip().replace(" ", "")) else WRONG_CODE


def check_code(*, request, device: TOTPDevice, code: str, enrolling: bool) -> str | None:
    """Check `code` against the device; on success mark this session verified (and confirm
    a new device). Returns why the code was refused, or None. Every outcome is audited."""
    stage = "enrolment" if enrolling else "sign-in"
    refusal = _refusal(device, code)
    if refusal:
        _audit(Action.MFA_FAILED, request.user, {"stage": stage})
        return refusal
    if enrolling:
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    otp_login(request, device)
    _audit(
        Action.MFA_ENROLLED if enrolling else Action.MFA_VERIFIED, request.user, {"stage": stage}
    )
    return None


def check_api_code(*, user, code: str) -> str | None:
    """Check a code sent with a token request against the user's enrolled device; audited."""
    refusal = _refusal(confirmed_device(user), code)
    _audit(Action.MFA_FAILED if refusal else Action.MFA_VERIFIED, user, {"stage": "api token"})
    return refusal


CODE_NEEDED = "Verify a one-time code at /accounts/mfa/ first."


class CodeNeeded(PermissionDenied):
    """Staff data asked for without a verified code (403 in the API)."""

    default_detail = CODE_NEEDED


def verified_for_staff_data(request) -> bool:
    """Whether the request may read staff data as far as MFA goes: always when MFA is not
    required of its user; otherwise only a session verified with a code since sign-in, or an
    API token issued with one (request.auth, from lms.auth_backends)."""
    user = request.user
    if not mfa_required(user):
        return True
    token = getattr(request, "auth", None)
    if isinstance(token, Token):
        return getattr(token, "mfa_verified", False)
    is_verified = getattr(user, "is_verified", None)  # django_otp.middleware.OTPMiddleware
    return bool(is_verified and is_verified())


def staff_data_access(request) -> None:
    """The gate every read of staff data passes once its other permissions are checked: raises
    CodeNeeded without a verified code (`verified_for_staff_data`); a read through an API token
    is audited (Action.TOKEN_USED, with the path read)."""
    if not verified_for_staff_data(request):
        raise CodeNeeded()
    if isinstance(getattr(request, "auth", None), Token):
        _audit(Action.TOKEN_USED, request.user, {"path": request.path})


def _is_staff_path(path: str) -> bool:
    return path.startswith(STAFF_PREFIXES) and not path.startswith(OPEN_PATHS)


class StaffMfaMiddleware:
    """Sends staff who have not verified a code this session to enrol or verify (HTML), or
    answers 403 (API). Costs nothing outside STAFF_PREFIXES or with the setting off."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.REQUIRE_MFA_FOR_STAFF and _is_staff_path(request.path_info):
            user = request.user
            if user.is_authenticated and not user.is_verified() and user_has_staff_role(user):
                if request.path_info.startswith("/api/"):
                    return JsonResponse({"detail": CODE_NEEDED}, status=403)
                return redirect_to_login(request.get_full_path(), reverse("mfa-verify"))
        return self.get_response(request)
