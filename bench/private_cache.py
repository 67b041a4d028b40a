"""The benchmarks' shared cache (the page cache's versions): a private directory on tmpfs for
the run, as the README advises for a host without Redis (lms/settings: SHARED_CACHE_DIR).
bench/settings.py reads BENCH_SHARED_CACHE_DIR; a server the run starts inherits it."""

import contextlib
import os
import shutil
import tempfile


@contextlib.contextmanager
def private_shared_cache():
    tmpfs = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108 (mkdtemp: 0700)
    os.environ["BENCH_SHARED_CACHE_DIR"] = tempfile.mkdtemp(prefix="cg-bench-cache-", dir=tmpfs)
    try:
        yield
    finally:
        shutil.rmtree(os.environ.pop("BENCH_SHARED_CACHE_DIR"), ignore_errors=True)
