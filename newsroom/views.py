"""Views of the site itself rather than of its content."""

from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe


@never_cache
@require_safe
def health(request):
    """Answer a load balancer's health check: the application is up and serving.

    It touches neither the database nor the cache, so that a slow database does not
    take every app server out of the pool at once. It is also the benchmark's yardstick:
    the cheapest request the whole middleware stack can serve.
    """
    return HttpResponse("ok\n", content_type="text/plain; charset=utf-8")


def trivial(request):
    """The benchmark's yardstick: the least a view can do, with no decorator, behind the
    same middleware as every page. Served only when NEWSROOM_BENCH_TRIVIAL is set
    (bench/run.py sets it), never in production."""
    return HttpResponse("ok\n", content_type="text/plain; charset=utf-8")
