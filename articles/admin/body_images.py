"""Pictures inside an article's text: the rich-text editor's upload endpoint.

The editor's "Insert picture" button (static/js/prose-editor.js) posts the file with its
alternative text, caption and credit here. The file goes through the same checks as a
lead image (``images.validate_and_clean_image``), and only someone who may change the
article (or, for an article not saved yet, add one) may upload into it. The answer is
JSON: the new row's id and a small rendition for the editor, or the translated errors.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import JsonResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from articles import permissions
from articles.media.body import PRESET
from articles.media.images import MESSAGES, ImageUploadField, smallest_rendition_url
from articles.models import Article, BodyImage


class BodyImageForm(forms.ModelForm):
    image = ImageUploadField(label=_("picture"))

    class Meta:
        model = BodyImage
        fields = ["image", "alt", "caption", "credit"]
        error_messages = {"alt": {"required": MESSAGES["alt_required"]}}


@require_POST
def upload(request):
    """Store a picture for the text of the article named by ``article`` (if saved).

    An extra view of the article admin (``ArticleAdmin.get_urls``), behind its sign-in
    and CSRF checks; the answer is JSON.
    """
    article_id = request.POST.get("article", "")
    if article_id:
        article = Article.objects.filter(pk=article_id).first() if article_id.isdigit() else None
        if article is None:
            return JsonResponse({"error": gettext("This article does not exist.")}, status=404)
        allowed = permissions.can_edit(request.user, article)
    else:
        allowed = request.user.is_active and request.user.has_perm("articles.add_article")
    if not allowed:
        return JsonResponse({"error": gettext("You cannot change this article.")}, status=403)
    form = BodyImageForm(request.POST, request.FILES)
    if not form.is_valid():
        errors = {
            name: [str(message) for message in messages] for name, messages in form.errors.items()
        }
        return JsonResponse({"errors": errors}, status=400)
    try:
        with transaction.atomic():
            row = form.save(commit=False)
            row.uploaded_by = request.user
            row.save()
            # The renditions are made now: the article's save then only names them.
            preview = smallest_rendition_url(row.image, PRESET)
    except (OSError, ValidationError, ValueError):
        return JsonResponse({"errors": {"image": [str(MESSAGES["damaged"])]}}, status=400)
    return JsonResponse(
        {"id": row.pk, "src": preview, "alt": row.alt, "caption": row.caption}, status=201
    )
