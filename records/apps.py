from django.apps import AppConfig


class RecordsConfig(AppConfig):
    """Operators' backup and restore of every person and training record (`export_records`,
    `import_records`). No models: it reads and writes those of lms, assessments and courses."""

    name = "records"
    verbose_name = "Records backup"
