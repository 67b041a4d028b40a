from django.urls import path

from courses import oversight_views as views

urlpatterns = [
    path("", views.oversight_dashboard, name="oversight-dashboard"),
    path("completion.csv", views.oversight_csv, name="oversight-csv"),
    path("people/<int:person_id>/", views.transcript, name="oversight-transcript"),
    path(
        "certificates/<str:code>/revoke/",
        views.certificate_revoke,
        name="oversight-certificate-revoke",
    ),
]
