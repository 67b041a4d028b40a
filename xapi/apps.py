from django.apps import AppConfig


class XapiConfig(AppConfig):
    name = "xapi"
    verbose_name = "xAPI statements"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from lms.metrics import register_gauges
        from xapi.outbox import backlog_gauges

        register_gauges(backlog_gauges)
