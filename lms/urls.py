"""The site's URL wiring: the top of the dependency order. Apps are mounted by dotted path, so
no app below imports another above it; Wagtail's catch-all comes last."""

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from lms import mfa_views, password_reset, routing

urlpatterns = [
    path("django-admin/", admin.site.urls),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/reset/",
        password_reset.PasswordResetView.as_view(),
        name="password_reset",
    ),
    path(
        "accounts/password/reset/done/",
        password_reset.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/password/reset/complete/",
        password_reset.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        password_reset.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("accounts/mfa/", mfa_views.mfa_verify, name="mfa-verify"),
    path("accounts/mfa/enrol/", mfa_views.mfa_enrol, name="mfa-enrol"),
    path("api/v1/", include("lms.api")),
    path("oversight/community/", include("community.staff_urls")),
    path("oversight/", include("oversight.urls")),
    path("compliance/", include("compliance.urls")),
    path("", include("community.urls")),
    path("", include("courses.urls")),
]

if settings.DEBUG:  # uploads, but not documents: those go through /documents/ and its check
    from django.views.static import serve

    media = settings.MEDIA_URL.lstrip("/")
    urlpatterns.append(
        re_path(
            rf"^{media}(?!documents/)(?P<path>.*)$",
            serve,
            {"document_root": settings.MEDIA_ROOT},
        )
    )

# Pages routed from a map (lms.routing) where it knows the path, else by Wagtail, as below.
urlpatterns.append(re_path(wagtail_urls.serve_pattern, routing.serve, name="lms_serve"))
urlpatterns.append(path("", include(wagtail_urls)))

handler500 = "lms.views.server_error"
