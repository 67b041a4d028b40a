from django.urls import path

from lms.views import roster_upload

urlpatterns = [
    path("roster/", roster_upload, name="roster-upload"),
]
