"""The Django admin (/django-admin/): agencies, whose certificate signatory is set here."""

from django.contrib import admin

from lms.models import Agency


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "certificate_signatory_name", "certificate_signatory_title"]
    fields = ["name", "slug", "certificate_signatory_name", "certificate_signatory_title"]
    search_fields = ["name", "slug"]
