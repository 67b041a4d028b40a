"""gunicorn's configuration for one app server: `gunicorn -c deploy/gunicorn.conf.py
lms.wsgi:application` (deploy/commonground-web@.service). tests/cluster runs this file.

Sync workers: the views are short and database-bound (bench/README.md measures them). Every
value can be changed from the environment (deploy/commonground.env.example).
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8001")
workers = int(os.environ.get("GUNICORN_WORKERS", "4"))  # about two per core
worker_class = "sync"
# A request slower than this is cut off (the worker restarts); nginx waits 60 s.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "50"))
# On SIGTERM (systemctl stop, a deploy) workers finish the requests in hand for this long.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "20"))
# Recycle workers now and then so that no slow leak grows without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10
# Logs to standard error (journald); the application writes its own JSON lines there too.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "warning")
# nginx on this host or another: only its X-Forwarded-* are believed by the app (NUM_PROXIES).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
