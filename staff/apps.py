from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class StaffConfig(AppConfig):
    """Staff accounts and sign-in: roles, two-factor sign-in, the admin site itself."""

    name = "staff"
    verbose_name = _("Staff")

    def ready(self):
        # Staff names are bylines: the content's rule for reordering controls holds.
        from django.contrib.auth import get_user_model
        from django.db.models.signals import pre_save

        from articles.models import drop_bidi_controls_before_save

        pre_save.connect(drop_bidi_controls_before_save, sender=get_user_model())

        # Groups and permissions are stored with English names (stable keys, and
        # Django's own); everywhere the admin names one (lists, filters, widgets, page
        # titles, delete summaries), staff read it in their own language.
        from django.contrib.auth.models import Group, Permission

        from staff.roles import permission_label, role_label, staff_name

        Group.__str__ = role_label
        Permission.__str__ = permission_label
        # Staff are named by their names (the byline), not their usernames, wherever the
        # admin names one: the log, "created by", filters, autocomplete, delete summaries.
        get_user_model().__str__ = staff_name

        # The yes/no icons' text alternatives, read by screen readers, in their language.
        from django.contrib.admin.templatetags import admin_list

        from staff.site import boolean_icon

        admin_list._boolean_icon = boolean_icon


class NewsroomAdminConfig(admin_apps.AdminConfig):
    """The admin, signed into in two steps, with the newsroom's dashboard as its index."""

    default = False  # Django's own admin config is not the one installed
    default_site = "staff.site.NewsroomAdminSite"
