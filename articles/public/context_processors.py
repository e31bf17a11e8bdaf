from django.conf import settings


def site(request):
    """Give every template the outlet's name and the language switch targets."""
    return {"site_name": settings.NEWSROOM_SITE_NAME}
