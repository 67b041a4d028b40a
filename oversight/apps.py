from django.apps import AppConfig


class OversightConfig(AppConfig):
    """Command-staff pages and the report API. No models: it reads courses, assessments and
    lms through their scoped selectors and changes them through their services."""

    name = "oversight"
    verbose_name = "Oversight"

    def ready(self):
        from oversight.exports import register_export_kinds

        register_export_kinds()  # the completion CSV, prepared in the background on request
