"""gunicorn's configuration for the newsroom, read from environment variables.

gunicorn reads this file by itself when started from the project's folder:

    gunicorn newsroom.wsgi

Put a buffering reverse proxy (nginx, a load balancer or a CDN) in front: the workers
are synchronous, and a reader on a slow phone connection must not hold one while the
page trickles out. docs/deploy.md describes the whole setup and every variable.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Two workers a core, plus one: each worker renders one page at a time.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 1))
worker_class = "gthread" if threads > 1 else "sync"
# Load the application once, before forking: the workers share its memory pages.
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") == "1"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", 30))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", 5))
# Recycle workers now and then, so that no slow leak can grow without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 5000))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", 500))
# Heartbeat files in memory, not on a disk that may stall (gunicorn creates them with
# mkstemp, so the shared folder is safe).
SHARED_MEMORY = "/dev/shm"  # noqa: S108
worker_tmp_dir = SHARED_MEMORY if os.path.isdir(SHARED_MEMORY) else None
# The proxies allowed to say that a request came over HTTPS (X-Forwarded-Proto).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
accesslog = "-" if os.environ.get("GUNICORN_ACCESS_LOG", "0") == "1" else None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Refuse request lines and headers far larger than any page of ours needs.
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190
