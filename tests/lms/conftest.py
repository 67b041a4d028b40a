import pytest
from django.core.cache import caches


@pytest.fixture
def page_cache_on(settings):
    """The page cache on: a shared cache for its versions (a DummyCache in other tests)."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "shared": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "page-cache-tests",
        },
        "memo": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "memo"},
    }
    for alias in ("shared", "default", "memo"):
        caches[alias].clear()
