"""Enrol an authenticator app, and verify a one-time code after signing in (lms/mfa.py)."""

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_http_methods

from lms import mfa


class CodeForm(forms.Form):
    code = forms.CharField(label="Six-digit code", max_length=10)


def _next_url(request) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return reverse(settings.LOGIN_REDIRECT_URL)


def _code_accepted(request, form: CodeForm, device, *, enrolling: bool) -> bool:
    """A posted code that the device accepts; a refused one is put on the form."""
    if request.method != "POST" or not form.is_valid():
        return False
    refusal = mfa.check_code(
        request=request, device=device, code=form.cleaned_data["code"], enrolling=enrolling
    )
    if refusal is not None:
        form.add_error("code", refusal)
    return refusal is None


@login_required
@require_http_methods(["GET", "POST"])
def mfa_enrol(request):
    """Show a new key (QR code and typed form) and confirm it with a first code."""
    if mfa.confirmed_device(request.user):
        return redirect(f"{reverse('mfa-verify')}?{urlencode({'next': _next_url(request)})}")
    device = mfa.pending_device(request.user)
    form = CodeForm(request.POST or None)
    if _code_accepted(request, form, device, enrolling=True):
        return redirect(_next_url(request))
    return render(
        request,
        "registration/mfa_enrol.html",
        {
            "form": form,
            "next": _next_url(request),
            "qr_svg": mfa.qr_svg(device.config_url),
            "otpauth_uri": device.config_url,
            "manual_key": mfa.manual_key(device),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def mfa_verify(request):
    """Ask for the current code of the user's enrolled app."""
    device = mfa.confirmed_device(request.user)
    if device is None:
        return redirect(f"{reverse('mfa-enrol')}?{urlencode({'next': _next_url(request)})}")
    form = CodeForm(request.POST or None)
    if _code_accepted(request, form, device, enrolling=False):
        return redirect(_next_url(request))
    return render(
        request, "registration/mfa_verify.html", {"form": form, "next": _next_url(request)}
    )
