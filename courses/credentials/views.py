"""Where verifiers find what our credentials point at, and where the holder downloads theirs.

Public, no sign-in: the issuer profile, the public keys (one JWK per `kid`, and the JWKS),
the status lists. The holder only: the credential as a JWT, as JSON, and baked into an SVG
badge; anyone else's certificate is "not found", as for the PDF.
"""

import json

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from courses.credentials import badge, keys, openbadges, status
from courses.models import Certificate
from courses.permissions import request_can_get_credential

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
