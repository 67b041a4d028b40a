"""The benchmark's URLs: the floor views first, then the whole site. Only bench/settings.py
points ROOT_URLCONF here, so production URLs never reach into benchmark code."""

from django.urls import include, path

from bench import floor_views

urlpatterns = [
    path("bench/floor/", floor_views.floor),
    path("bench/floor/signed-in/", floor_views.signed_in_floor),
    path("bench/floor/write/", floor_views.write_floor),
    path("", include("lms.urls")),
]
