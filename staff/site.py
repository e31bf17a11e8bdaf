"""The admin site, whose index is the newsroom's dashboard, signed into in two steps with
throttled passwords (``staff/signin.py``)."""

import math

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.i18n import JavaScriptCatalog

from staff import signin
from staff.twofactor import TwoFactorAdminSiteMixin, required_for


def wait_message(seconds: int) -> str:
    if seconds < 120:
        return ngettext(
            "Too many failed sign-ins from here. Try again in %(count)d second, or ask "
            "an administrator to lift the block.",
            "Too many failed sign-ins from here. Try again in %(count)d seconds, or ask "
            "an administrator to lift the block.",
            seconds,
        ) % {"count": seconds}
    minutes = math.ceil(seconds / 60)
    return ngettext(
        "Too many failed sign-ins from here. Try again in %(count)d minute, or ask "
        "an administrator to lift the block.",
        "Too many failed sign-ins from here. Try again in %(count)d minutes, or ask "
        "an administrator to lift the block.",
        minutes,
    ) % {"count": minutes}


def boolean_icon(value):
    """Return the admin's yes/no icon, its text alternative in the reader's language.

    Django's own (``admin_list._boolean_icon``) reads "True", "False" or "None" to
    everyone; staff/apps.py puts this one in its place.
    """
    icon = {True: "yes", False: "no", None: "unknown"}[value]
    text = {True: _("Yes"), False: _("No"), None: _("Unknown")}[value]
    return format_html('<img src="{}" alt="{}">', static(f"admin/img/icon-{icon}.svg"), text)


class ThrottledAuthenticationForm(AdminAuthenticationForm):
    """The admin's sign-in form: a try that the rules hold back is not even checked."""

    refusal = None

    def clean(self):
        username = self.cleaned_data.get("username")
        if username is None or not self.cleaned_data.get("password"):
            return super().clean()
        attempt = signin.Attempt(self.request, username)
        self.refusal = attempt.refusal()
        if self.refusal is not None:
            raise ValidationError(wait_message(self.refusal.seconds), code="throttled")
        try:
            cleaned = super().clean()
        except ValidationError:
            if self.user_cache is None:  # the password, not the account's standing
                attempt.failed()
            raise
        attempt.succeeded()
        return cleaned


class NewsroomAdminSite(TwoFactorAdminSiteMixin, admin.AdminSite):
    site_header = _("SY24 newsroom")
    site_title = _("SY24 newsroom")
    index_title = _("Newsroom dashboard")
    index_template = "admin/newsroom_index.html"
    # A desk, not a database browser: the dashboard leads everywhere, and the lists and
    # forms get the whole width (the side menu left a 1366-pixel screen 717 pixels).
    enable_nav_sidebar = False
    login_form = ThrottledAuthenticationForm

    def login(self, request, extra_context=None):
        response = super().login(request, extra_context)
        form = (getattr(response, "context_data", None) or {}).get("form")
        refusal = getattr(form, "refusal", None)
        if refusal is not None:
            response.status_code = 429
            response["Retry-After"] = str(refusal.seconds)
        elif (
            request.method == "POST"
            and request.user.is_authenticated
            and request.user.is_staff
            and not required_for(request.user)  # else the second step completes sign-in
        ):
            signin.remember_place(request, response, request.user)
        return response

    def i18n_javascript(self, request, extra_context=None):
        """Serve the admin's JavaScript strings, the rich-text editor's in Arabic included.

        The editor ships no Arabic catalogue; ours (``locale/*/djangojs.po``) fills it.
        """
        return JavaScriptCatalog.as_view(packages=["django.contrib.admin", "django_prose_editor"])(
            request
        )

    def index(self, request, extra_context=None):
        # Imported here: importing the content's admin registers its screens on this site.
        from articles.admin.dashboard import dashboard

        context = (
            {"dashboard": dashboard(request.user)}
            if request.user.has_perm("articles.view_article")
            else {}
        )
        return super().index(request, {**context, **(extra_context or {})})
