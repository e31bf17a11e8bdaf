"""Author profiles: the names bylines show, pen names included.

Who writes under a profile (its staff account) is a safety control: only those with
``articles.link_authorprofile`` (administrators) see or set it, here or anywhere else;
editors manage the public fields; journalists see the public profiles and their own pen
names, which they choose for their articles.
"""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Q
from django.db.models.constants import LOOKUP_SEP
from django.utils.translation import gettext_lazy as _

from articles import permissions
from articles.admin.base import FoldedSearchMixin, VersionedTranslatedAdmin
from articles.cover import may_see_link
from articles.media import images
from articles.models import Article, AuthorProfile


def profiles_for(user, queryset=None):
    """Return the profiles ``user`` may put in a byline: every one for editors; for a
    journalist the public ones and the pen names they write under."""
    queryset = AuthorProfile.objects.all() if queryset is None else queryset
    if permissions.can_publish(user) or may_see_link(user):
        return queryset
    return queryset.filter(Q(is_pen_name=False) | Q(account=user))


@admin.register(AuthorProfile)
class AuthorProfileAdmin(FoldedSearchMixin, VersionedTranslatedAdmin):
    folded_search_fields = ("name_ar", "name_en", "slug")
    list_display = ["name", "is_pen_name", "slug"]
    list_filter = ["is_pen_name"]
    search_fields = ["name_ar", "name_en", "slug"]
    prepopulated_fields = {"slug": ["name_en"]}
    formfield_overrides = {
        models.ImageField: {
            "form_class": images.ImageUploadField,
            "widget": images.ImagePreviewWidget,
        }
    }

    def get_fieldsets(self, request, obj=None):
        public = ["name", "slug", "short_bio", "photo", "contact", "is_pen_name"]
        fieldsets = [(None, {"fields": public})]
        # The form is made from these: without the link permission it has no account
        # input at all, so a crafted post naming an account changes nothing.
        if may_see_link(request.user):
            fieldsets.append((_("Who writes under this name"), {"fields": ["account"]}))
        return self.marked_fieldsets(self._patch_fieldsets(fieldsets), obj)

    def get_readonly_fields(self, request, obj=None):
        """A pen name stays one unless an administrator says otherwise: made public by
        someone who may not know who writes under it, the articles it signs next would
        no longer cover the writer (``articles.cover``), and backups would keep the link."""
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.is_pen_name and not may_see_link(request.user):
            readonly.append("is_pen_name")
        return readonly

    def get_list_display(self, request):
        if may_see_link(request.user):
            return [*self.list_display, "account"]
        return self.list_display

    def get_queryset(self, request):
        return profiles_for(request.user, super().get_queryset(request))

    def lookup_allowed(self, lookup, value, request=None):
        """Refuse a filter on the account in the list's address (``?account=7``, which
        the admin allows for any field of the model's own) to those who may not see it:
        the profiles it listed would say who writes under them."""
        first = lookup.split(LOOKUP_SEP)[0]
        if first in {"account", "account_id"} and not (
            request is not None and may_see_link(request.user)
        ):
            return False
        return super().lookup_allowed(lookup, value, request)

    def get_deleted_objects(self, objs, request):
        """Refuse to delete a profile that signs published articles, as a protected row
        is refused: their bylines would vanish without a word."""
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        signed = Article.objects.published().filter(bylines__in=objs).distinct()
        protected = [
            *protected,
            *(f"{Article._meta.verbose_name}: {article}" for article in signed),
        ]
        return deleted, counts, perms_needed, protected

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "account":
            kwargs["queryset"] = get_user_model().objects.filter(is_staff=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
