"""Stable keys for curriculum content, which records name but the records file does not carry."""

from assessments.models import Quiz, Survey, SurveyItem
from courses.models import CurriculumPage, LessonPage, ModulePage

AMBIGUOUS = object()


def _parent_path(url_path: str) -> str:
    return url_path.rstrip("/").rsplit("/", 1)[0] + "/"


class ContentKeys:
    """Both directions for this site: local id → key (export) and key → local id (import)."""

    def __init__(self):
        self.page_key: dict[int, str] = {}
        self.page_ids: dict[tuple[type, str], int] = {}
        for model in (CurriculumPage, ModulePage, LessonPage):
            for pk, path in model.objects.values_list("pk", "url_path"):
                self.page_key[pk] = path
                self._add(self.page_ids, (model, path), pk)

        quiz_owner = {
            quiz_id: _parent_path(path)
            for quiz_id, path in ModulePage.objects.filter(quiz__isnull=False).values_list(
                "quiz_id", "url_path"
            )
        }
        self.quiz_key: dict[int, list[str]] = {}
        self.quiz_ids: dict[tuple, int] = {}
        for pk, title in Quiz.objects.values_list("pk", "title"):
            self.quiz_key[pk] = [quiz_owner.get(pk, ""), title]
            self._add(self.quiz_ids, tuple(self.quiz_key[pk]), pk)

        survey_owner = dict(
            CurriculumPage.objects.filter(survey__isnull=False).values_list("survey_id", "url_path")
        )
        self.survey_key: dict[int, list[str]] = {}
        self.survey_ids: dict[tuple, int] = {}
        for pk, title in Survey.objects.values_list("pk", "title"):
            self.survey_key[pk] = [survey_owner.get(pk, ""), title]
            self._add(self.survey_ids, tuple(self.survey_key[pk]), pk)
        self.item_key: dict[int, list[str]] = {}
        self.item_ids: dict[tuple, int] = {}
        for pk, survey_id, statement in SurveyItem.objects.values_list(
            "pk", "survey_id", "statement"
        ):
            self.item_key[pk] = [*self.survey_key[survey_id], statement]
            self._add(self.item_ids, tuple(self.item_key[pk]), pk)

    @staticmethod
    def _add(index: dict, key, pk: int) -> None:
        index[key] = AMBIGUOUS if key in index else pk
