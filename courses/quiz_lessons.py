"""Which lessons a quiz's questions may name: those of the module the quiz serves."""

from courses.models import LessonPage, ModulePage


def question_lesson_problems(quiz, lessons: list[tuple[int, LessonPage]]) -> list[str]:
    """Messages for the questions (numbered as in the editor) whose lesson is not one of the
    quiz's module. When no module uses the quiz yet, all its questions' lessons must belong
    to one module, so that it can serve that module."""
    modules = list(ModulePage.objects.filter(quiz=quiz)) if quiz.pk else []
    problems = []
    first_parent = None
    for number, lesson in lessons:
        lesson = lesson.specific if not isinstance(lesson, LessonPage) else lesson
        parent_path = lesson.path[: -LessonPage.steplen]
        if modules:
            if parent_path not in {m.path for m in modules}:
                names = ", ".join(f"module {m.number}" for m in modules)
                problems.append(
                    f"Question {number}: “{lesson.title}” is not a lesson of this quiz's "
                    f"module ({names})."
                )
        elif first_parent is None:
            first_parent = parent_path
        elif parent_path != first_parent:
            problems.append(
                f"Question {number}: “{lesson.title}” is in another module than the first "
                "question's lesson; a quiz's questions name lessons of one module."
            )
    return problems
