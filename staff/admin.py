"""Staff accounts: administrators assign roles and reset two-factor sign-in."""

from django.contrib import admin, messages
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_totp import admin as totp_admin

from staff import roles, twofactor

User = get_user_model()
admin.site.unregister(User)
# Nobody sees anyone's two-factor secret, superusers included: staff set up their own,
# administrators only reset them (StaffAdmin below).
admin.site.unregister(totp_admin.TOTPDevice)


@admin.register(User)
class StaffAdmin(UserAdmin):
    """Staff accounts. Administrators assign roles; only a superuser grants superpowers."""

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

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)
