"""The article form as a translator reads it: Arabic first, the English in a section of its
own, each English input beside the saved Arabic it translates.

modeltranslation's tabs put an Arabic/English pair on every translated field (a dozen
pairs per article), hide the Arabic while the English is written, and in the English
admin open on English tabs under a switch that still says Arabic. Here the Arabic inputs
stay where the article's fieldsets name them, the English ones are gathered in an
"English translation" fieldset, and each shows, read-only and right to left, the Arabic
as it was last saved.
"""

import copy

from django import forms
from django.conf import settings
from django.template.loader import render_to_string
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from modeltranslation.translator import translator

from articles.admin.base import RICH_TEXT_FIELDS
from articles.sanitizing import sanitize_html

ORIGINAL = settings.MODELTRANSLATION_DEFAULT_LANGUAGE  # Arabic
TRANSLATION = "en"
ENGLISH_FIELDSET_CLASS = "english-translation"


class BesideOriginal(forms.Widget):
    """An English input with the saved Arabic it translates shown beside it, read-only.

    Wraps the field's own widget (a text input, a text area, the rich-text editor): what
    is posted, validated and labelled is the wrapped widget's.
    """

    template_name = "admin/includes/beside_original.html"

    def __init__(self, widget, *, original: str, rich: bool, saved: bool):
        self.widget = widget
        self.attrs = widget.attrs
        self.needs_multipart_form = widget.needs_multipart_form
        # Rich text is shown as readers see it: the stored body is sanitized on save, and
        # is sanitized again here so nothing else is ever rendered as markup.
        self.original = sanitize_html(original) if rich else original
        self.rich = rich
        self.saved = saved

    def __deepcopy__(self, memo):
        obj = copy.copy(self)
        obj.widget = copy.deepcopy(self.widget, memo)
        obj.attrs = obj.widget.attrs
        memo[id(self)] = obj
        return obj

    @property
    def is_hidden(self):
        return self.widget.is_hidden

    @property
    def media(self):
        return self.widget.media

    def get_context(self, name, value, attrs):
        return {
            "rendered_widget": self.widget.render(name, value, attrs),
            "original": self.original,
            "rich": self.rich,
            "saved": self.saved,
            "language": ORIGINAL,
        }

    def render(self, name, value, attrs=None, renderer=None):
        return render_to_string(self.template_name, self.get_context(name, value, attrs))

    def value_from_datadict(self, data, files, name):
        return self.widget.value_from_datadict(data, files, name)

    def value_omitted_from_data(self, data, files, name):
        return self.widget.value_omitted_from_data(data, files, name)

    def id_for_label(self, id_):
        return self.widget.id_for_label(id_)

    def use_required_attribute(self, initial):
        return self.widget.use_required_attribute(initial)


def english_beside_arabic(form: forms.BaseForm, translated: tuple[str, ...]) -> None:
    """Show each English input of ``form`` beside its field's saved Arabic text."""
    instance = form.instance
    saved = instance.pk is not None
    for name in translated:
        field = form.fields.get(f"{name}_{TRANSLATION}")
        if field is None or isinstance(field.widget, BesideOriginal):
            continue
        field.widget = BesideOriginal(
            field.widget,
            original=(getattr(instance, f"{name}_{ORIGINAL}", "") or "") if saved else "",
            rich=name in RICH_TEXT_FIELDS,
            saved=saved,
        )


class TranslatorsViewMixin:
    """For a translated model's admin (modeltranslation's ``TranslationAdmin``, untabbed):
    Arabic inputs in the fieldsets as written, the English in a fieldset of their own,
    each beside the saved Arabic, and labels with no language code in them."""

    english_fieldset_name = _("English translation")
    english_fieldset_description = _(
        "Leave these empty to publish in Arabic only. Beside each field, the Arabic as it "
        "was last saved."
    )

    def _patch_fieldsets(self, fieldsets):
        """Put each translated field's Arabic input where the fieldsets name the field,
        and its English input in the "English translation" fieldset, in the same order.

        (modeltranslation's own puts both languages' inputs in place of the field.)
        """
        translated = self.trans_opts.all_fields
        arabic, english = [], []
        for name, options in fieldsets:
            fields = []
            for field in options.get("fields", ()):
                if field in translated:
                    fields.append(f"{field}_{ORIGINAL}")
                    english.append(f"{field}_{TRANSLATION}")
                else:
                    fields.append(field)
            arabic.append((name, {**options, "fields": fields}))
        if not english:
            return arabic
        section = (
            self.english_fieldset_name,
            {
                "classes": [ENGLISH_FIELDSET_CLASS],
                "description": self.english_fieldset_description,
                "fields": english,
            },
        )
        # After the text, the pictures and the classification the English translates;
        # before publication and history, which are the article's whatever its language.
        position = min(len(arabic), 3)
        return [*arabic[:position], section, *arabic[position:]]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        original = getattr(db_field, "translated_field", None)
        if field is not None and original is not None:
            # The fieldset says which language an input is in: no "[ar]" or "[en]".
            field.label = capfirst(original.verbose_name)
        return field

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        translated = tuple(translator.get_options_for_model(self.model).all_fields)

        def __init__(self, *args, **kwargs):
            form.__init__(self, *args, **kwargs)
            english_beside_arabic(self, translated)

        return type(form.__name__, (form,), {"__init__": __init__})


class LanguageLabelsMixin:
    """For an inline's translated fields, untabbed: the Arabic input labelled as the
    field, the English one "… in English", with no language code in either."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        original = getattr(db_field, "translated_field", None)
        if field is not None and original is not None:
            label = capfirst(original.verbose_name)
            if db_field.language != ORIGINAL:
                label = _("%(field)s in English") % {"field": label}
            field.label = label
        return field
