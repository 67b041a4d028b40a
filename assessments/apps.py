from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = "Quizzes and surveys"

    def ready(self):
        from assessments.models import Attempt, Quiz, Survey, SurveyResponse
        from lms.page_cache.signal_handlers import Scope, watch

        # What the page cache must renew when these change (its receivers: lms.page_cache).
        # Quizzes and surveys: saved live (published) or deleted; a draft saves bookkeeping only.
        watch(Quiz, scope=Scope.CONTENT)
        watch(Survey, scope=Scope.CONTENT)
        watch(Attempt, scope=Scope.USER)
        watch(SurveyResponse, scope=Scope.USER)
