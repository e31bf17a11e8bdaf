"""Sign-in throttling that stops guessing without handing anyone a switch to lock staff out.

A lock on the account alone lets anyone keep an editor out during breaking news by typing
five wrong passwords; a lock on the address alone shuts a whole office, or a mobile
carrier's shared address, out for one person's typos. So every failure is counted in
three ways, over the last ``NEWSROOM_SIGNIN_WINDOW_MINUTES``:

1. **One account from one place** (``NEWSROOM_LOGIN_FAILURES``, 5): that place stops
   trying that account until the window has passed. Places are counted apart by whether
   they are known to the account, so strangers' failures never use up the owner's tries.
2. **One address, any accounts**: from ``NEWSROOM_SIGNIN_ADDRESS_SLOW`` (20) failures each
   further try waits twice as long as the one before; from ``NEWSROOM_SIGNIN_ADDRESS_STOP``
   (100) the address stops for the window. A browser the account has signed in from is
   not held back, so colleagues behind the same address still sign in.
3. **One account from unknown places**: from ``NEWSROOM_SIGNIN_ACCOUNT_SLOW`` (10)
   failures, tries for that account from places it has never signed in from wait twice as
   long each time (at most ``MAX_WAIT``). Guessing from many addresses is slowed to a few
   hundred tries a day; the owner, from a known place, is not slowed at all.

A *known place* is an address the person completed sign-in from (both steps where two
are due) in the last ``KNOWN_PLACE_DAYS``, or a browser holding the signed cookie that the
completed sign-in left. A correct password with a valid second step from a known place
therefore succeeds whatever strangers tried. Administrators see the failures in the admin
and lift a block by no longer counting them.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db.models import Count, Max
from django.utils import timezone

from articles.clients import client_address
from staff.models import KnownPlace, SignInFailure

PLACE_COOKIE = "newsroom_place"
PLACE_SALT = "staff.signin.place"
KNOWN_PLACE_DAYS = 180
# The longest a slowed try waits, in seconds.
MAX_WAIT = 300


@dataclass(frozen=True)
class Refusal:
    """A try that is not checked: who is held back, and for how many seconds."""

    seconds: int
    rule: str  # "place", "address" or "account" (the three rules above)


def window() -> timedelta:
    return timedelta(minutes=settings.NEWSROOM_SIGNIN_WINDOW_MINUTES)


def _doubling_wait(failures: int, threshold: int) -> int:
    """1 s at the threshold, then twice as long with each failure, at most MAX_WAIT."""
    return min(2 ** min(failures - threshold, 20), MAX_WAIT)


def _left(since, seconds: float, now) -> int:
    """Return the whole seconds left of a wait of ``seconds`` from ``since`` (0: over)."""
    remaining = (since + timedelta(seconds=seconds) - now).total_seconds()
    return max(0, int(remaining + 0.999))


class Attempt:
    """One try at the admin's sign-in: an account name, from an address and a browser."""

    def __init__(self, request, username: str, *, now=None):
        self.username = username
        self.address = client_address(request)
        self.now = now or timezone.now()
        self.known_browser = _cookie_names(request, username)
        self.known = self.known_browser or self._known_address()

    def _known_address(self) -> bool:
        return KnownPlace.objects.filter(
            user__username=self.username,
            address=self.address,
            last_seen__gte=self.now - timedelta(days=KNOWN_PLACE_DAYS),
        ).exists()

    def _counted(self):
        return SignInFailure.objects.filter(cleared_at__isnull=True, at__gte=self.now - window())

    def refusal(self) -> Refusal | None:
        """Return why this try is not even checked, or None if it may go ahead."""
        seconds = window().total_seconds()
        place = self._counted().filter(
            username=self.username, address=self.address, known_place=self.known
        )
        stats = place.aggregate(n=Count("pk"), last=Max("at"))
        if stats["n"] >= settings.NEWSROOM_LOGIN_FAILURES:
            return Refusal(_left(stats["last"], seconds, self.now), "place")
        if not self.known_browser:
            stats = (
                self._counted()
                .filter(address=self.address)
                .aggregate(n=Count("pk"), last=Max("at"))
            )
            if stats["n"] >= settings.NEWSROOM_SIGNIN_ADDRESS_STOP:
                return Refusal(_left(stats["last"], seconds, self.now), "address")
            if stats["n"] >= settings.NEWSROOM_SIGNIN_ADDRESS_SLOW:
                wait = _doubling_wait(stats["n"], settings.NEWSROOM_SIGNIN_ADDRESS_SLOW)
                if left := _left(stats["last"], wait, self.now):
                    return Refusal(left, "address")
        if not self.known:
            stats = (
                self._counted()
                .filter(username=self.username, known_place=False)
                .aggregate(n=Count("pk"), last=Max("at"))
            )
            if stats["n"] >= settings.NEWSROOM_SIGNIN_ACCOUNT_SLOW:
                wait = _doubling_wait(stats["n"], settings.NEWSROOM_SIGNIN_ACCOUNT_SLOW)
                if left := _left(stats["last"], wait, self.now):
                    return Refusal(left, "account")
        return None

    def failed(self) -> None:
        """Count a wrong password (or an account name that does not exist)."""
        SignInFailure.objects.create(
            username=self.username, address=self.address, at=self.now, known_place=self.known
        )

    def succeeded(self) -> None:
        """The password was right: this place's earlier typos for the account stop counting."""
        self._counted().filter(username=self.username, address=self.address).update(
            cleared_at=self.now
        )


def _cookie_names(request, username: str) -> bool:
    """Say whether the browser holds the cookie a completed sign-in of ``username`` left."""
    value = request.COOKIES.get(PLACE_COOKIE)
    if not value:
        return False
    try:
        names = signing.loads(value, salt=PLACE_SALT, max_age=timedelta(days=KNOWN_PLACE_DAYS))
    except signing.BadSignature:
        return False
    return isinstance(names, list) and username in names


def remember_place(request, response, user) -> None:
    """Remember where ``user`` completed sign-in: the address, and this browser (a signed
    cookie naming the accounts signed in from it, read only at sign-in)."""
    address = client_address(request)
    now = timezone.now()
    KnownPlace.objects.update_or_create(
        user=user, address=address, defaults={"last_seen": now}, create_defaults={"last_seen": now}
    )
    names = [user.get_username()]
    try:
        earlier = signing.loads(
            request.COOKIES.get(PLACE_COOKIE, ""),
            salt=PLACE_SALT,
            max_age=timedelta(days=KNOWN_PLACE_DAYS),
        )
        if isinstance(earlier, list):
            names += [name for name in earlier if isinstance(name, str) and name not in names]
    except signing.BadSignature:
        pass
    response.set_cookie(
        PLACE_COOKIE,
        signing.dumps(names[:5], salt=PLACE_SALT),
        max_age=KNOWN_PLACE_DAYS * 24 * 60 * 60,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def lift(failures, *, by) -> int:
    """Stop counting ``failures`` (a queryset): an administrator lifts a block."""
    return failures.filter(cleared_at__isnull=True).update(cleared_at=timezone.now(), cleared_by=by)
