#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    # Django would defer a settings error and fail later with an unrelated traceback;
    # say plainly what is missing (for example DJANGO_SECRET_KEY with DEBUG off).
    try:
        settings.INSTALLED_APPS  # noqa: B018 (loads the settings)
    except ImproperlyConfigured as error:
        sys.exit(f"manage.py: {error}\nFor development, set DJANGO_DEBUG=1 (make run does).")

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
