"""Where verifiers find what our credentials point at, and where the holder downloads theirs.

Public, no sign-in: the issuer profile, the public keys (one JWK per `kid`, and the JWKS),
the status lists. The holder only: the credential as a JWT, as JSON, and baked into an SVG
badge; anyone else's certificate is "not found", as for the PDF. And a page where anyone
checks a credential they were handed.
"""

import json
import re
from datetime import datetime

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from courses.credentials import badge, keys, openbadges, status
from courses.models import Certificate
from courses.permissions import request_can_get_credential
from lms.throttles import throttle_page

JSON_LD = "application/ld+json"


def _json(data: dict, content_type: str = "application/json") -> JsonResponse:
    response = JsonResponse(data, content_type=content_type, json_dumps_params={"indent": 2})
    response["Access-Control-Allow-Origin"] = "*"  # verifiers run in browsers too
    return response


@require_GET
def issuer(request):
    context = [openbadges.VC_CONTEXT, openbadges.OB_CONTEXT]
    return _json({"@context": context, **openbadges.issuer_profile()}, JSON_LD)


@require_GET
def public_key(request, thumbprint: str):
    for key in keys.keyring().published:
        if key.thumbprint() == thumbprint:
            return _json(keys.public_jwk(key), "application/jwk+json")
    raise Http404("No such key.")


@require_GET
def jwks(request):
    published = [keys.public_jwk(key) for key in keys.keyring().published]
    return _json({"keys": published}, "application/jwk-set+json")


@require_GET
def status_list(request, number: int):
    response = HttpResponse(status.status_list_jwt(number), content_type="application/vc+jwt")
    response["Cache-Control"] = "no-cache"  # a revocation must show at once
    response["Access-Control-Allow-Origin"] = "*"
    return response


def own_certificate(request, code: str) -> Certificate:
    certificate = get_object_or_404(Certificate.objects.select_related("person__agency"), code=code)
    if not request_can_get_credential(request, certificate):
        raise Http404("No such certificate.")
    return certificate


def credential_response(certificate: Certificate, form: str) -> HttpResponse:
    """The holder's credential: `jwt` (application/vc+jwt), `json` (the signed content, for
    reading; its proof is the JWT), or `svg` (the badge with the JWT baked in)."""
    token = openbadges.credential_jwt(certificate)
    if form == "jwt":
        response = HttpResponse(token, content_type=openbadges.MEDIA_TYPE_JWT)
        extension = "jwt"
    elif form == "json":
        content = json.dumps(openbadges.build_credential(certificate), indent=2, ensure_ascii=False)
        response = HttpResponse(content, content_type=JSON_LD)
        extension = "json"
    else:
        response = HttpResponse(badge.baked_svg(certificate, token), content_type="image/svg+xml")
        response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
        extension = "svg"
    response["Content-Disposition"] = (
        f'attachment; filename="credential-{certificate.serial}.{extension}"'
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def my_credential(request, code: str, form: str):
    return credential_response(own_certificate(request, code), form)


CREDENTIAL_MAX_CHARACTERS = 100_000
BAKED_JWT = re.compile(r"<openbadges:credential\s[^>]*verify=[\"']([A-Za-z0-9_\-.]+)[\"']")


def _token_from(text: str) -> str:
    """A compact JWS as pasted, or the one baked into an SVG badge."""
    baked = BAKED_JWT.search(text)
    return baked.group(1) if baked else text.strip()


@require_http_methods(["GET", "POST"])
@throttle_page("certificate_verify")
def credential_check(request):
    """Anyone may check a credential they were given (the JWT, or the baked SVG badge): its
    signature against the keys we publish, its revocation bit and its dates."""
    if request.method == "GET":
        return render(request, "courses/credential_check.html")
    text = request.POST.get("credential", "")
    error = ""
    if not text.strip():
        error = "Paste the credential: the JWT (three parts joined by dots) or the SVG badge."
    elif len(text) > CREDENTIAL_MAX_CHARACTERS:
        error = f"A credential has fewer than {CREDENTIAL_MAX_CHARACTERS:,} characters."
    if error:
        return render(
            request,
            "courses/credential_check.html",
            {"credential_error": error, "credential_text": text[:CREDENTIAL_MAX_CHARACTERS]},
            status=400,
        )
    check = status.check_credential(_token_from(text))
    payload = check.payload or {}
    subject = payload.get("credentialSubject") or {}
    names = [
        item.get("identityHash")
        for item in subject.get("identifier") or []
        if isinstance(item, dict) and item.get("identityType") == "name"
    ]
    now = timezone.now()
    valid_until = _moment(payload.get("validUntil"))
    return render(
        request,
        "courses/credential_check.html",
        {
            "check": check,
            "credential_text": text,
            "holder_name": names[0] if names else "",
            "achievement": (subject.get("achievement") or {}).get("name", ""),
            "issuer": (payload.get("issuer") or {}).get("name", ""),
            "valid_from": _moment(payload.get("validFrom")),
            "valid_until": valid_until,
            "expired": bool(valid_until and valid_until <= now),
        },
    )


def _moment(value):
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
