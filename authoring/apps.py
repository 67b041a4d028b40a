from django.apps import AppConfig


class AuthoringConfig(AppConfig):
    """Trainers' and coordinators' work on the curriculum: export and import of whole curricula
    (command and admin), the Coordinator review workflow, loading the curriculum data files and
    seeding a demo site. No models: it writes the pages and quizzes of courses and assessments."""

    name = "authoring"
    verbose_name = "Authoring"
