from django.apps import AppConfig


class LmsConfig(AppConfig):
    name = "lms"
    verbose_name = "People and agencies"

    def ready(self):
        from lms import converters, signals  # noqa: F401  (connects the sign-in audit receivers)
        from lms.page_cache.signal_handlers import register_signal_handlers

        register_signal_handlers()
        converters.register()  # `<id:...>` in every app's urls
