from django.apps import AppConfig


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = "Curriculum and progress"

    def ready(self):
        from courses import signals  # noqa: F401  (connects the publish audit receiver)
