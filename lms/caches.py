"""Cache backends."""

from django.core.cache.backends.filebased import FileBasedCache


class VersionFileCache(FileBasedCache):
    """FileBasedCache for small, often-written entries (the page cache versions).

    Django's backend lists the whole directory on every write to decide whether to cull, so
    a write costs more the more entries there are (~2 ms at 5,000). This one looks every
    `CULL_EVERY` writes of the process; the directory may exceed MAX_ENTRIES by that many
    writes per worker before it is culled.
    """

    CULL_EVERY = 100

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._writes = 0

    def _cull(self):
        self._writes += 1
        if self._writes % self.CULL_EVERY == 1:
            super()._cull()
