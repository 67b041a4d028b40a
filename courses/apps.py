from django.apps import AppConfig


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = "Curriculum and progress"

    def ready(self):
        from courses import models, signals  # noqa: F401  (signals: the publish audit receivers)
        from courses.credentials.keys import keyring

        keyring()  # a bad signing-key configuration stops the server here, saying what is wrong
        from lms.page_cache.signal_handlers import Scope, watch

        # What the page cache must renew when these change (its receivers: lms.page_cache).
        watch(models.Assignment, scope=Scope.CONTENT)  # who sees which curriculum
        for model in (
            models.LessonProgress,
            models.ModuleCompletion,
            models.CurriculumCompletion,
            models.Certificate,
            models.TrainingRecord,
        ):
            watch(model, scope=Scope.PERSON)
