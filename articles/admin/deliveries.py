"""The channel's deliveries: what was posted to the outlet's Telegram channel, what waits,
what failed and why; editors retry a failed one (here, or from the article's page).

Deliveries are made by the write side and sent by the worker (articles/operations/jobs.py);
nobody adds, edits or deletes one by hand.
"""

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from articles.models import Delivery
from articles.writing.actions import RetryDelivery

State = Delivery.State


def _language_name(code: str) -> str:
    return {"ar": _("Arabic"), "en": _("English")}.get(code, code)


class LanguageFilter(admin.SimpleListFilter):
    """The channels' languages by name ("Arabic"), not by code."""

    title = gettext_lazy("language")
    parameter_name = "language"

    def lookups(self, request, model_admin):
        codes = model_admin.get_queryset(request).values_list("language", flat=True).distinct()
        return [(code, _language_name(code)) for code in sorted(codes)]

    def queryset(self, request, queryset):
        return queryset.filter(language=self.value()) if self.value() else queryset


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "headline",
        "kind",
        "language_name",
        "state",
        "attempts",
        "when",
        "message",
        "error",
    ]
    list_filter = ["state", "kind", LanguageFilter]
    search_fields = ["article_title"]
    list_select_related = ["article"]
    date_hierarchy = "created_at"
    actions = ["retry_selected"]
    fields = [
        "article",
        "article_title",
        "kind",
        "language_name",
        "chat_id",
        "state",
        "attempts",
        "created_at",
        "next_attempt_at",
        "sent_at",
        "message",
        "last_error",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        urls = super().get_urls()
        retry = path(
            "<int:object_id>/retry/",
            self.admin_site.admin_view(self.retry_view),
            name="articles_delivery_retry",
        )
        return [retry, *urls]

    @admin.display(description=gettext_lazy("headline"), ordering="article_title")
    def headline(self, delivery):
        return format_html("<bdi>{}</bdi>", delivery.article_title or "—")

    @admin.display(description=gettext_lazy("language"), ordering="language")
    def language_name(self, delivery):
        return _language_name(delivery.language)

    @admin.display(description=gettext_lazy("time"), ordering="next_attempt_at")
    def when(self, delivery):
        return delivery.sent_at if delivery.state == State.SENT else delivery.next_attempt_at

    @admin.display(description=gettext_lazy("message"))
    def message(self, delivery):
        if delivery.link:
            return format_html(
                '<a href="{}" rel="noopener" dir="ltr">{}</a>', delivery.link, delivery.link
            )
        return "—"

    @admin.display(description=gettext_lazy("last error"))
    def error(self, delivery):
        return (
            format_html('<span dir="auto">{}</span>', delivery.last_error[:200])
            if delivery.last_error
            else "—"
        )

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context.update(
            show_save=False,
            show_save_and_continue=False,
            show_save_and_add_another=False,
            show_delete=False,
            retry_url=(
                reverse("admin:articles_delivery_retry", args=[obj.pk])
                if obj is not None
                and obj.state == State.FAILED
                and self.has_change_permission(request, obj)
                else ""
            ),
        )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "POST":
            # Nothing here is edited by hand: the only change is a retry (its own URL).
            return HttpResponseNotAllowed(["GET"])
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.action(description=gettext_lazy("Retry the selected failed deliveries"))
    def retry_selected(self, request, queryset):
        if not self.has_change_permission(request):
            raise PermissionDenied
        retried = 0
        for delivery in queryset.filter(state=State.FAILED):
            try:
                RetryDelivery(delivery, actor=request.user).execute()
            except ValidationError:
                continue  # retried by someone else meanwhile
            retried += 1
        if retried:
            self.message_user(
                request,
                ngettext(
                    "%(count)d delivery will be tried again now.",
                    "%(count)d deliveries will be tried again now.",
                    retried,
                )
                % {"count": retried},
                messages.SUCCESS,
            )
        else:
            self.message_user(
                request, _("Only failed deliveries can be retried."), messages.WARNING
            )

    def retry_view(self, request, object_id: int):
        """Try one failed delivery again now (a POST from its page or its article's)."""
        delivery = get_object_or_404(Delivery, pk=object_id)
        if not self.has_change_permission(request, delivery):
            raise PermissionDenied
        page = reverse("admin:articles_delivery_change", args=[delivery.pk])
        if request.method != "POST":
            return HttpResponseRedirect(page)
        try:
            RetryDelivery(delivery, actor=request.user).execute()
        except ValidationError:
            self.message_user(
                request, _("Only failed deliveries can be retried."), messages.WARNING
            )
        else:
            self.message_user(request, _("The delivery will be tried again now."), messages.SUCCESS)
        back = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(back, allowed_hosts=None) or not back.startswith(
            reverse("admin:index")
        ):
            back = page
        return HttpResponseRedirect(back)


def deliveries_context(request, article) -> dict:
    """What the article's change page shows of its deliveries to the channel."""
    admin_site = admin.site
    model_admin = admin_site._registry.get(Delivery)
    if model_admin is None or not model_admin.has_view_permission(request):
        return {}
    rows = list(article.deliveries.all()[:20])
    if not rows and not settings.NEWSROOM_TELEGRAM_BOT_TOKEN:
        return {}
    can_retry = model_admin.has_change_permission(request)
    return {
        "deliveries": [
            {
                "delivery": delivery,
                "language": _language_name(delivery.language),
                "retry_url": (
                    reverse("admin:articles_delivery_retry", args=[delivery.pk])
                    if can_retry and delivery.state == State.FAILED
                    else ""
                ),
            }
            for delivery in rows
        ],
    }
