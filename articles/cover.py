"""Who stands behind a pen name, and who may know it: the one door staff screens ask.

A pen name is linked to the staff account that writes under it
(``AuthorProfile.account``). An article is *covered* for that account once a linked
pen name signs it, and stays covered if the byline is later removed
(``PenNameCover``): editing the byline must not unmask the writer. Only those with
``articles.link_authorprofile`` (administrators) and the writer themself may know who
stands behind the pen name; every other member of staff reads the covered account, in
that article's context (its authors, who created and last saved it, its revisions,
its activity log, its preview links), as the pen name, never by name, username or
e-mail. A list filtered by a staff account never lists the articles covered for it to
them.

The covers are written here, whenever a linked pen name comes to sign an article
(the bylines' many-to-many change, however it is made: the save action, a command,
a restore) and whenever a profile that signs articles is linked as a pen name
(``connect``, from ``AppConfig.ready``). No screen removes one: a cover goes with its
article or its account.
"""

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.core.exceptions import FieldError, ValidationError
from django.db.models import CharField, Exists, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, NullIf
from django.db.models.signals import m2m_changed, post_save
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from articles.models import Article, AuthorProfile, PenNameCover

LINK_PERMISSION = "articles.link_authorprofile"
# The fields that name an article's staff accounts: a list filtered through one of
# them says whose article it is.
ACCOUNT_FIELDS = ("authors", "created_by", "updated_by")


def may_see_link(user) -> bool:
    """Say whether ``user`` may learn who writes under a profile (administrators)."""
    return bool(user is not None and user.is_active and user.has_perm(LINK_PERMISSION))


def staff_name(user) -> str:
    """Return how staff screens name a member of staff: their full name, or username."""
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def pen_name_label(name: str) -> str:
    """Return how staff read an account covered by the pen name ``name``."""
    if not name:
        return _("a pen name")
    return _("“%(name)s” (pen name)") % {"name": name}


# --- writing the covers -------------------------------------------------------------------


def record_covers(*, article_ids: Iterable[int] | None = None, profile=None) -> None:
    """Cover each article (of ``article_ids``, or signed by ``profile``) that a linked
    pen name signs, for the account behind it; existing covers stay as they are."""
    signed = Article.bylines.through.objects.filter(
        authorprofile__is_pen_name=True, authorprofile__account__isnull=False
    )
    if article_ids is not None:
        signed = signed.filter(article_id__in=list(article_ids))
    if profile is not None:
        signed = signed.filter(authorprofile=profile)
    PenNameCover.objects.bulk_create(
        [
            PenNameCover(article_id=article, account_id=account, profile_id=pen_name)
            for article, account, pen_name in signed.values_list(
                "article_id", "authorprofile__account_id", "authorprofile_id"
            )
        ],
        ignore_conflicts=True,
    )


def _bylines_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if action != "post_add" or not pk_set:
        return
    if reverse:  # profile.articles.add(...)
        if instance.is_pen_name and instance.account_id:
            record_covers(article_ids=pk_set, profile=instance)
        return
    if AuthorProfile.objects.filter(
        pk__in=pk_set, is_pen_name=True, account__isnull=False
    ).exists():
        record_covers(article_ids=[instance.pk])


def _profile_saved(sender, instance, raw=False, **kwargs):
    if instance.is_pen_name and instance.account_id:
        record_covers(profile=instance)


def connect() -> None:
    """Write covers whenever a linked pen name comes to sign an article."""
    m2m_changed.connect(
        _bylines_changed, sender=Article.bylines.through, dispatch_uid="articles.cover_bylines"
    )
    post_save.connect(_profile_saved, sender=AuthorProfile, dispatch_uid="articles.cover_profile")


# --- reading them ---------------------------------------------------------------------------


def _name_field() -> str:
    return "profile__name_en" if get_language() == "en" else "profile__name_ar"


def covered_accounts(article_ids: Iterable[int]) -> dict[int, dict[int, str]]:
    """Return, for each article, its covered accounts (by id) and the pen name each is
    shown as, in the active language."""
    found: dict[int, dict[int, str]] = {}
    ids = [pk for pk in article_ids if pk is not None]
    if not ids:
        return found
    rows = PenNameCover.objects.filter(article_id__in=ids).values_list(
        "article_id", "account_id", _name_field(), "profile__name_ar"
    )
    for article, account, name, arabic in rows:
        found.setdefault(article, {}).setdefault(account, name or arabic or "")
    return found


class Cover:
    """What one member of staff may know of the accounts behind one article."""

    def __init__(self, hidden: dict[int, str]):
        # Account id: the pen name it is shown as, for the accounts the viewer may not know.
        self.hidden = hidden

    def __bool__(self) -> bool:
        return bool(self.hidden)

    def hides(self, user) -> bool:
        """Say whether ``user`` (an account or its id) is to be shown as a pen name."""
        pk = getattr(user, "pk", user)
        return pk in self.hidden

    def name(self, user) -> str:
        """Return how the viewer reads ``user`` beside this article."""
        if user is None:
            return ""
        if self.hides(user):
            return pen_name_label(self.hidden[user.pk])
        return staff_name(user)

    def names(self, users: Iterable) -> list[str]:
        """Return the viewer's names of ``users``, each covered account once."""
        shown = []
        for user in users:
            name = self.name(user)
            if name not in shown:
                shown.append(name)
        return shown


def _hidden_from(viewer, accounts: dict[int, str]) -> dict[int, str]:
    if may_see_link(viewer):
        return {}
    own = getattr(viewer, "pk", None)
    return {account: name for account, name in accounts.items() if account != own}


def covers_for(article_ids: Iterable[int], viewer) -> dict[int, Cover]:
    """Return what ``viewer`` may know of each article's accounts (one query at most)."""
    ids = list(article_ids)
    if may_see_link(viewer):
        return {pk: Cover({}) for pk in ids}
    found = covered_accounts(ids)
    return {pk: Cover(_hidden_from(viewer, found.get(pk, {}))) for pk in ids}


def cover_for(article_id, viewer) -> Cover:
    """Return what ``viewer`` may know of the accounts behind one article."""
    if article_id is None:
        return Cover({})
    return covers_for([article_id], viewer)[article_id]


def masked_staff_name(user, article_id, viewer) -> str:
    """Return how ``viewer`` reads ``user`` beside the article ``article_id``: the pen
    name, where the account is covered there and the viewer may not know it."""
    return cover_for(article_id, viewer).name(user)


def hidden_covers(viewer, *, article: str = "article", account: str = "actor"):
    """Return the covers of a row's (article, account) pair (the row's fields named
    ``article`` and ``account``) that ``viewer`` may not know, for a subquery; an empty
    queryset for those who may know."""
    covers = PenNameCover.objects.filter(article=OuterRef(article), account=OuterRef(account))
    if may_see_link(viewer):
        return covers.none()
    return covers.exclude(account=getattr(viewer, "pk", None))


def hides_cover(viewer, *, article: str = "pk"):
    """Return an expression saying whether an article (the row's field ``article``)
    is covered for an account ``viewer`` may not know."""
    covers = PenNameCover.objects.filter(article=OuterRef(article))
    if may_see_link(viewer):
        return Exists(covers.none())
    return Exists(covers.exclude(account=getattr(viewer, "pk", None)))


def hidden_cover_name(viewer, **refs):
    """Return a subquery of the pen name a row's account is shown as to ``viewer``:
    None where there is nothing to hide, "" for a cover whose pen name is gone."""
    name = Coalesce(
        NullIf(F(_name_field()), Value("")),
        F("profile__name_ar"),
        Value(""),
        output_field=CharField(),
    )
    covers = hidden_covers(viewer, **refs).annotate(shown=name)
    return Subquery(covers.values("shown")[:1])


def accounts_named(params, fields: Iterable[str]):
    """Return the accounts a list's filters (``params``: its address's query) narrow it
    by through ``fields``, as a queryset of user ids; None if no such filter is given;
    every account if a filter cannot be read as one on accounts."""
    User = get_user_model()
    matched = None
    pairs = params.lists() if hasattr(params, "lists") else ((k, [v]) for k, v in params.items())
    for key, value in ((key, value) for key, values in pairs for value in values):
        first, _sep, rest = key.partition("__")
        field = first.removesuffix("_id")
        if field not in fields:
            continue
        lookup = (rest if first == field else "") or "pk"
        if lookup == "in" or lookup.endswith("__in"):
            value = value.split(",")
        try:
            condition = Q(**{lookup: value})
            User.objects.filter(condition)
        except (FieldError, ValidationError, ValueError, TypeError):
            condition = Q(pk__isnull=False)  # every account
        matched = condition if matched is None else matched | condition
    return None if matched is None else User.objects.filter(matched).values("pk")


def without_covered(queryset, viewer, accounts, *, article: str = "pk"):
    """Return ``queryset`` (articles, or rows naming an article through ``article``)
    without the rows whose article is covered, for one of ``accounts``, to ``viewer``
    who may not know it."""
    if accounts is None or may_see_link(viewer):
        return queryset
    covered = PenNameCover.objects.filter(article=OuterRef(article), account__in=accounts).exclude(
        account=getattr(viewer, "pk", None)
    )
    return queryset.filter(~Exists(covered))
