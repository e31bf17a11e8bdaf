"""Staff accounts: administrators assign roles, reset two-factor sign-in, and see failed
sign-ins and lift the blocks they caused (``staff/signin.py``)."""

from django.contrib import admin, messages
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.forms import (
    AdminPasswordChangeForm,
    ReadOnlyPasswordHashField,
    ReadOnlyPasswordHashWidget,
    SetUnusablePasswordMixin,
    UserChangeForm,
)
from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.db.models import Q
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_totp import admin as totp_admin
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tasks_db import admin as tasks_admin

from articles.admin.stale import StaleSaveAdminMixin
from staff import roles, signin, twofactor
from staff.models import KnownPlace, SignInFailure

User = get_user_model()
admin.site.unregister(User)
admin.site.unregister(Group)
# Nobody sees anyone's two-factor secret, superusers included: staff set up their own,
# administrators only reset them (StaffAdmin below).
admin.site.unregister(totp_admin.TOTPDevice)
# The queue of jobs (articles/operations/jobs.py) is the worker's business, and
# django-tasks-db's screen for it speaks English only.
admin.site.unregister(tasks_admin.DBTaskResult)


class PasswordSummaryWidget(ReadOnlyPasswordHashWidget):
    """Say whether an account has a password, not its hash's algorithm, salt and digest."""

    template_name = "staff/password_summary.html"


class StaffChangeForm(UserChangeForm):
    password = ReadOnlyPasswordHashField(
        label=_("Password"),
        help_text=UserChangeForm.base_fields["password"].help_text,
        widget=PasswordSummaryWidget,
    )


class StaffPasswordChangeForm(AdminPasswordChangeForm):
    """Django's, its warning read in the reader's language (Django joins it to the help
    text when the module is imported, in English)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "usable_password" in self.fields:
            self.fields["usable_password"].help_text = format_html(
                '{}<ul id="id_unusable_warning" class="messagelist">'
                '<li class="warning">{}</li></ul>',
                SetUnusablePasswordMixin.usable_password_help_text,
                _("If disabled, the current password for this user will be lost."),
            )


@admin.register(User)
class StaffAdmin(StaleSaveAdminMixin, UserAdmin):
    """Staff accounts. Administrators assign roles; only a superuser grants superpowers.
    A save based on a stale copy of the account is refused (``articles.admin.stale``)."""

    # Names and addresses of colleagues are not kept in the administrator's browser.
    keep_unsaved_text = False

    form = StaffChangeForm
    change_password_form = StaffPasswordChangeForm

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser or obj is None:
            return fieldsets
        hidden = {"is_superuser", "user_permissions"}
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f not in hidden]})
            for name, options in fieldsets
        ]

    list_display = [
        "username",
        "first_name",
        "last_name",
        "role_names",
        "two_factor",
        "is_active",
        "last_login",
    ]
    list_filter = ["groups", "is_active", "is_staff"]
    actions = ["sign_out_everywhere", "reset_two_factor"]

    @admin.action(permissions=["change"], description=_("Sign the selected staff out everywhere"))
    def sign_out_everywhere(self, request, queryset):
        """End every session of the selected accounts: a lost phone, a stolen password."""
        users = {str(pk) for pk in queryset.values_list("pk", flat=True)}
        if not request.user.is_superuser:
            users -= {
                str(pk) for pk in queryset.filter(is_superuser=True).values_list("pk", flat=True)
            }
        ended = [
            session.pk
            for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
            if session.get_decoded().get(SESSION_KEY) in users
        ]
        Session.objects.filter(pk__in=ended).delete()
        self.message_user(
            request,
            ngettext("%(count)d session ended.", "%(count)d sessions ended.", len(ended))
            % {"count": len(ended)},
            messages.SUCCESS,
        )

    def get_queryset(self, request):
        return twofactor.with_two_factor_state(
            super().get_queryset(request).prefetch_related("groups")
        )

    @admin.action(permissions=["change"], description=_("Reset two-factor sign-in (lost phone)"))
    def reset_two_factor(self, request, queryset):
        """Forget the authenticators of the selected staff: they set one up at next sign-in."""
        if not request.user.is_superuser:
            queryset = queryset.filter(is_superuser=False)
        reset = twofactor.devices_reset(users=queryset)
        for user in reset:
            self.log_change(request, user, [{"changed": {"fields": ["two-factor sign-in"]}}])
        self.message_user(
            request,
            ngettext(
                "Two-factor sign-in reset for %(count)d account: it will be set up again "
                "at the next sign-in.",
                "Two-factor sign-in reset for %(count)d accounts: each will be set up again "
                "at the next sign-in.",
                len(reset),
            )
            % {"count": len(reset)},
            messages.SUCCESS,
        )

    @admin.display(boolean=True, description=_("two-factor sign-in"))
    def two_factor(self, user):
        return user.has_two_factor

    @admin.display(description=_("roles"))
    def role_names(self, user):
        return "، ".join(str(roles.ROLE_LABELS.get(g.name, g.name)) for g in user.groups.all())

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        user = form.instance
        # A newsroom role means working in the admin: without staff status the new
        # colleague could not log in, and would only be told the password is wrong.
        if not user.is_staff and user.groups.filter(name__in=roles.ROLES).exists():
            user.is_staff = True
            user.save(update_fields=["is_staff"])

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups" and not request.user.is_superuser:
            kwargs["queryset"] = Group.objects.filter(name__in=roles.ROLES)
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if db_field.name == "groups" and field is not None:
            field.label_from_instance = lambda group: str(
                roles.ROLE_LABELS.get(group.name, group.name)
            )
        return field

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def get_deleted_objects(self, objs, request):
        """Say what deleting an account takes with it in staff's words: its two-factor
        sign-in, not Django's "User-group relationship: User_groups object (3)" rows."""
        to_delete, counts, perms, protected = super().get_deleted_objects(objs, request)
        hidden = {
            str(capfirst(model._meta.verbose_name))
            for model in (User.groups.through, User.user_permissions.through)
        }
        hidden_plural = {
            str(model._meta.verbose_name_plural)
            for model in (User.groups.through, User.user_permissions.through, TOTPDevice)
        }
        device = str(capfirst(TOTPDevice._meta.verbose_name))

        def kept(items):
            for item in items:
                if isinstance(item, list):
                    yield list(kept(item))
                elif str(item).startswith(device + ":"):
                    yield _("Their authenticator app (two-factor sign-in)")
                elif not any(str(item).startswith(name + ":") for name in hidden):
                    yield item

        counts = {name: count for name, count in counts.items() if str(name) not in hidden_plural}
        return list(kept(to_delete)), counts, perms, protected

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)


@admin.register(Group)
class RoleAdmin(GroupAdmin):
    """The roles (staff/roles.py): named in the reader's language; only a superuser
    renames one or changes its permissions (administrators view them)."""

    list_display = ["role_name"]
    readonly_fields = ["role_name"]

    @admin.display(description=_("newsroom role"))
    def role_name(self, group):
        return roles.role_label(group)

    def get_fields(self, request, obj=None):
        if request.user.is_superuser:
            return ["name", "permissions"]
        return ["role_name", "permissions"]


class CountedFilter(admin.SimpleListFilter):
    title = _("counted now")
    parameter_name = "counted"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        counted = Q(cleared_at__isnull=True, at__gte=timezone.now() - signin.window())
        if self.value() == "yes":
            return queryset.filter(counted)
        if self.value() == "no":
            return queryset.exclude(counted)
        return queryset


@admin.register(SignInFailure)
class SignInFailureAdmin(admin.ModelAdmin):
    """Failed sign-ins, newest first. Lifting a block stops counting its failures; the
    records stay, so the list keeps telling who guessed what from where."""

    list_display = ["at", "username", "address", "known_place", "counted", "cleared_by"]
    list_filter = [CountedFilter, "known_place", "at"]
    search_fields = ["username", "address"]
    date_hierarchy = "at"
    actions = ["lift_blocks"]
    readonly_fields = ["username", "address", "at", "known_place", "cleared_at", "cleared_by"]

    @admin.display(boolean=True, description=_("counted now"))
    def counted(self, failure):
        return failure.cleared_at is None and failure.at >= timezone.now() - signin.window()

    @admin.action(permissions=["change"], description=_("Lift the block: stop counting these"))
    def lift_blocks(self, request, queryset):
        lifted = signin.lift(queryset, by=request.user)
        self.message_user(
            request,
            ngettext(
                "%(count)d failed sign-in is no longer counted.",
                "%(count)d failed sign-ins are no longer counted.",
                lifted,
            )
            % {"count": lifted},
            messages.SUCCESS,
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # "Change" is lifting blocks from the list; a record itself is never edited.
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(KnownPlace)
class KnownPlaceAdmin(admin.ModelAdmin):
    """Where staff completed sign-in; deleting one makes that address a stranger again."""

    list_display = ["user", "address", "first_seen", "last_seen"]
    search_fields = ["user__username", "address"]
    readonly_fields = ["user", "address", "first_seen", "last_seen"]
    list_select_related = ["user"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
