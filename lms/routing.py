"""Serving Wagtail pages without a query per level of the page tree.

Wagtail routes a URL by walking the tree from the site's root, one query (and one for the
page's specific class) per level, then asks the database for the page's view restrictions.
Here a map of every live page's URL path to its id and class, kept in each worker under the
content version (lms.page_cache.remembered: renewed by every page publish, unpublish, move
and delete, by sites and by view restrictions), routes a request in memory; the page itself
is kept the same way (`_live_page`: for every learner until the content version is renewed,
each request its own copy, checked against the page's row in one plain query).

The map holds only what the walk would certainly find and that no view restriction covers:
with one site (the default), no translations, no aliases and no page class that routes
itself. Anything else (a path not in the map, a restricted page, a page unpublished a moment
ago) goes to Wagtail's own routing and its checks, unchanged. Previews never come here.
"""

from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.db import connection
from django.http import HttpResponse
from wagtail import hooks
from wagtail import views as wagtail_views
from wagtail.models import Page, PageViewRestriction, Site
from wagtail.url_routing import RouteResult
from wagtail.wagtail_hooks import check_view_restrictions

from lms.page_cache import remembered


@dataclass(frozen=True)
class RouteMap:
    site: Site | None  # None: more than one site (or none), route every request as Wagtail does
    pages: dict[str, tuple[int, str]]  # "curriculum/module/lesson" -> (page id, model label)


def route_map() -> RouteMap:
    """The map for this content version, built in three queries once per worker."""
    return remembered("route-map", _build_route_map, copy=False)


def _build_route_map() -> RouteMap:
    sites = list(Site.objects.select_related("root_page"))
    if (
        len(sites) != 1
        or not sites[0].is_default_site
        or getattr(settings, "WAGTAIL_I18N_ENABLED", False)
    ):
        return RouteMap(site=None, pages={})
    site = sites[0]
    root = site.root_page
    restricted = tuple(PageViewRestriction.objects.values_list("page__path", flat=True))
    rows = (
        Page.objects.live()
        .descendant_of(root, inclusive=True)
        .filter(alias_of__isnull=True)
        .values_list("pk", "path", "url_path", "content_type__app_label", "content_type__model")
    )
    pages = {}
    for pk, path, url_path, app_label, model_name in rows:
        model = apps.get_model(app_label, model_name)
        if path.startswith(restricted) or model.route is not Page.route:
            continue
        relative = url_path[len(root.url_path) :].strip("/")
        pages[relative] = (pk, model._meta.label)
    return RouteMap(site=site, pages=pages)


def attach_site(request) -> None:
    """Tell Wagtail the request's site from the map (no query for `{% pageurl %}`)."""
    site = route_map().site
    if site is not None and not hasattr(request, "_wagtail_site"):
        request._wagtail_site = site


def _live_page(page_id: int, label: str) -> Page | None:
    """The live page: a copy kept in the worker under the content version, used while its row
    says it is live at the same revision (one plain query; a change made without renewing the
    version, an unpublish or a publish, still shows at once). Read through the ORM, a page
    costs a render ~1.4 ms; the check and a kept copy ~0.1 ms. The kept page is one object
    shared by the worker's requests, as the outlines are: views read it, and what it caches
    (a related row read once) is of the same content version."""
    with connection.cursor() as cursor:
        cursor.execute(_LIVE_REVISION_SQL, [page_id])
        row = cursor.fetchone()
    if row is None or not row[0]:
        return None

    def load():
        return apps.get_model(label).objects.filter(pk=page_id, live=True).first()

    page = remembered(f"page:{page_id}", load, copy=False)  # one object, read by every request
    if page is not None and page.live_revision_id != row[1]:
        page = load()
    return page


# Wagtail's page table (both databases quote names alike).
_LIVE_REVISION_SQL = 'SELECT "live", "live_revision_id" FROM "wagtailcore_page" WHERE "id" = %s'


def serve(request, path):
    """Wagtail's `serve` view, routed from the map where the map knows the path."""
    routes = route_map()
    found = routes.pages.get("/".join(part for part in path.split("/") if part))
    page = None
    if routes.site is not None and found is not None:
        page_id, label = found
        page = _live_page(page_id, label)
    if page is None:
        return wagtail_views.serve(request, path)
    request._wagtail_site = routes.site
    request._wagtail_route_for_request = RouteResult(page)
    # As wagtail.views.serve, less the view-restriction check: the map holds no restricted page.
    chain = wagtail_views.serve_chain
    for fn in reversed(hooks.get_hooks("on_serve_page")):
        if fn is not check_view_restrictions:
            chain = fn(chain)
    for fn in hooks.get_hooks("before_serve_page"):
        result = fn(page, request, (), {})
        if isinstance(result, HttpResponse):
            return result
    return chain(page, request, (), {})
