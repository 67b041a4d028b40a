import pytest
from django.core.cache import caches


@pytest.fixture
def page_cache_on(shared_cache_on):
    """The page cache on: a shared cache for its versions (a DummyCache in other tests)."""
    for alias in ("default", "memo"):
        caches[alias].clear()
