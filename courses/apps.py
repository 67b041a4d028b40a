from django.apps import AppConfig


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = "Curriculum and progress"

    def ready(self):
        from courses import models, signals  # noqa: F401  (signals: the publish audit receivers)
        from courses.credentials.keys import keyring
        from courses.progress import receivers  # noqa: F401  (the report's tallies)
        from lms.page_cache.signal_handlers import Scope, watch

        keyring()  # a bad signing-key configuration stops the server here, saying what is wrong

        # What the page cache must renew when these change (its receivers: lms.page_cache).
        watch(models.Assignment, scope=Scope.CONTENT)  # who sees which curriculum
        for model in (
            models.LessonProgress,
            models.ModuleCompletion,
            models.CurriculumCompletion,
            models.Certificate,
            models.TrainingRecord,
            models.ScenarioPath,  # saved with every choice taken (courses.scenarios.services)
            models.ReflectionAnswer,
        ):
            watch(model, scope=Scope.PERSON)
