from django.apps import AppConfig
from django.core import checks


class LmsConfig(AppConfig):
    name = "lms"
    verbose_name = "People and agencies"

    def ready(self):
        from lms import (  # noqa: F401  (connect their receivers; register the id converter)
            converters,
            sessions,  # password and role changes end sessions and tokens
            signals,  # sign-in audit
        )
        from lms.page_cache.signal_handlers import register_signal_handlers
        from lms.storage import check_object_storage

        register_signal_handlers()
        converters.register()  # `<id:...>` in every app's urls
        checks.register(check_object_storage)
