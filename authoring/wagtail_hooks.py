"""Curriculum pages in the Wagtail admin: the "Export curriculum" action and the import page;
the scenario choices report (Reports menu)."""

from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.widgets import Button

from authoring import item_analysis_views, report_views
from authoring import views as exchange_views
from authoring.permissions import user_can_exchange_curricula, user_can_read_item_analysis
from courses.models import CurriculumPage
from courses.permissions import user_can_view_scenario_report


@hooks.register("register_admin_urls")
def register_exchange_urls():
    return [
        path(
            "curricula/import/",
            exchange_views.curriculum_import,
            name="authoring_curriculum_import",
        ),
        path(
            "curricula/<id:page_id>/export/",
            exchange_views.curriculum_export,
            name="authoring_curriculum_export",
        ),
        path(
            "reports/scenario-choices/",
            report_views.scenario_report,
            name="authoring_scenario_report",
        ),
        path(
            "reports/item-analysis/",
            item_analysis_views.item_analysis_report,
            name="authoring_item_analysis",
        ),
        path(
            "reports/item-analysis.csv",
            item_analysis_views.item_analysis_csv,
            name="authoring_item_analysis_csv",
        ),
    ]


class ScenarioReportMenuItem(MenuItem):
    def is_shown(self, request) -> bool:
        return user_can_view_scenario_report(request.user)


@hooks.register("register_reports_menu_item")
def register_scenario_report_menu_item():
    return ScenarioReportMenuItem(
        "Scenario choices",
        reverse("authoring_scenario_report"),
        name="scenario-choices",
        icon_name="link",
        order=700,
    )


class ImportCurriculumMenuItem(MenuItem):
    def is_shown(self, request) -> bool:
        return user_can_exchange_curricula(request.user)


@hooks.register("register_admin_menu_item")
def register_import_menu_item():
    return ImportCurriculumMenuItem(
        "Import curriculum",
        reverse("authoring_curriculum_import"),
        name="import-curriculum",
        icon_name="upload",
        order=290,
    )


class ItemAnalysisMenuItem(MenuItem):
    def is_shown(self, request) -> bool:
        return user_can_read_item_analysis(request.user)


@hooks.register("register_reports_menu_item")
def register_item_analysis_menu_item():
    return ItemAnalysisMenuItem(
        "Quiz item analysis",
        reverse("authoring_item_analysis"),
        name="item-analysis",
        icon_name="tasks",
        order=900,
    )


def _export_button(page, user, priority: int):
    if page.specific_class is CurriculumPage and page.live and user_can_exchange_curricula(user):
        yield Button(
            "Export curriculum",
            reverse("authoring_curriculum_export", args=[page.pk]),
            icon_name="download",
            priority=priority,
        )


@hooks.register("register_page_listing_more_buttons")
def curriculum_listing_export_button(page, user, next_url=None):
    yield from _export_button(page, user, priority=90)


@hooks.register("register_page_header_buttons")
def curriculum_header_export_button(page, user, view_name, next_url=None):
    yield from _export_button(page, user, priority=90)
