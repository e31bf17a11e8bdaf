"""The newsroom's roles and the model permissions each one holds. The one place for them.

A data migration creates the groups from this module; per-object rules (a journalist
changes only their own drafts) are enforced in the admin on top of these permissions.
"""

from django.utils.translation import gettext_lazy as _

JOURNALIST = "Journalist"
EDITOR = "Editor"
ADMINISTRATOR = "Administrator"
ROLES = (JOURNALIST, EDITOR, ADMINISTRATOR)
# The group names are data (stable keys); staff read them in their own language.
ROLE_LABELS = {JOURNALIST: _("Journalist"), EDITOR: _("Editor"), ADMINISTRATOR: _("Administrator")}

_ARTICLE_MODELS = (
    "section",
    "tag",
    "expert",
    "authorprofile",
    "article",
    "quote",
    "correction",
    "sharenetwork",
    "reachuspage",
    "sitesettings",
)


def _crud(app_label: str, models: tuple[str, ...], actions=("add", "change", "delete", "view")):
    return {f"{app_label}.{action}_{model}" for model in models for action in actions}


# Journalists write: their own articles with quotes, new experts and tags.
JOURNALIST_PERMISSIONS = (
    _crud("articles", _ARTICLE_MODELS, actions=("view",))
    | {"articles.add_article", "articles.change_article"}
    | {"articles.add_quote", "articles.change_quote", "articles.delete_quote"}
    | {"articles.add_expert", "articles.add_tag"}
    | {"articles.view_dailysharecount", "articles.view_delivery"}
)
# Editors run the publication: everything in the newsroom, publishing included.
EDITOR_PERMISSIONS = _crud("articles", _ARTICLE_MODELS) | {
    "articles.view_dailysharecount",
    # The channel's deliveries: seen, and retried (a change) when they failed.
    "articles.view_delivery",
    "articles.change_delivery",
    "articles.publish_article",
}
# Administrators are editors who also manage staff accounts and assign roles.
# They see failed sign-ins and lift blocks, and forget places staff signed in from.
ADMINISTRATOR_PERMISSIONS = (
    EDITOR_PERMISSIONS
    | _crud("auth", ("user",))
    # Who writes under a pen name: administrators alone see and set it.
    | {"articles.link_authorprofile"}
    | {"auth.view_group"}
    | {"staff.view_signinfailure", "staff.change_signinfailure"}
    | {"staff.view_knownplace", "staff.delete_knownplace"}
)

ROLE_PERMISSIONS = {
    JOURNALIST: JOURNALIST_PERMISSIONS,
    EDITOR: EDITOR_PERMISSIONS,
    ADMINISTRATOR: ADMINISTRATOR_PERMISSIONS,
}


def _model_exists(apps, app_label: str, model_name: str) -> bool:
    """Say whether the registry has the model (an early migration's does not have later
    models: their permissions are given by the migration that creates them)."""
    try:
        apps.get_model(app_label, model_name)
    except LookupError:
        return False
    return True


def sync_roles(apps) -> None:
    """Create the role groups and give each exactly the permissions listed here.

    Takes an app registry so that migrations can call it with their historical models.
    """
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after migrations finish; the groups need them now.
    for app_config in apps.get_app_configs():
        # A migration's app configs have no models module; the running site's (the
        # tests pass them) have one, which must stay: without it Django never again
        # creates the app's content types and permissions (after a flush, say).
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = models_module or True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = models_module

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, names in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        wanted = set()
        for name in names:
            app_label, codename = name.split(".")
            if _model_exists(apps, app_label, codename.split("_", 1)[1]):
                wanted.add((app_label, codename))
        permissions = [
            permission
            for permission in Permission.objects.select_related("content_type")
            if (permission.content_type.app_label, permission.codename) in wanted
        ]
        missing = wanted - {(p.content_type.app_label, p.codename) for p in permissions}
        if missing:
            raise RuntimeError(f"Permissions missing for role {role}: {sorted(missing)}")
        group.permissions.set(permissions)


# What a model permission's action reads as, in the admin's language.
_PERMISSION_ACTIONS = {
    "add": _("Can add %(model)s"),
    "change": _("Can change %(model)s"),
    "delete": _("Can delete %(model)s"),
    "view": _("Can view %(model)s"),
}


def staff_name(user) -> str:
    """Return how the newsroom names a member of staff: their full name, or username."""
    return user.get_full_name() or user.get_username()


def role_label(group) -> str:
    """Return a group as staff read it: its role's name in their language."""
    return str(ROLE_LABELS.get(group.name, group.name))


def permission_label(permission) -> str:
    """Return a permission as staff read it: the model and the action, in their language.

    Django stores "Can add article" in English in ``auth_permission.name``; the label is
    rebuilt from the model's translated name and the codename's action, and a custom
    permission's stored name is looked up in the catalogue.
    """
    from django.utils.translation import gettext

    model = permission.content_type.model_class()
    model_name = model._meta.verbose_name if model else permission.content_type.model
    action, _sep, model_code = permission.codename.partition("_")
    if action in _PERMISSION_ACTIONS and model and model_code == model._meta.model_name:
        text = _PERMISSION_ACTIONS[action] % {"model": model_name}
    else:
        text = gettext(permission.name)
    app = model._meta.app_config.verbose_name if model else permission.content_type.app_label
    return f"{app} | {model_name} | {text}"
