"""How a source reaches the newsroom safely: what editors may publish on the contact page
(a Signal number or link, a SecureDrop onion address, a Hush Line address, a PGP public
key and its fingerprint), checked before it is saved. Pure functions, no model.

A PGP block is read far enough to know what it is: the armour of a *public* key, whose
first packet is a public key (tag 6). Anything that says or holds a private key is
refused, so that a hurried paste never publishes the newsroom's secret.
"""

import base64
import binascii
import hashlib
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

PUBLIC_BEGIN = "-----BEGIN PGP PUBLIC KEY BLOCK-----"
PUBLIC_END = "-----END PGP PUBLIC KEY BLOCK-----"
MAX_KEY_LENGTH = 20_000
PUBLIC_KEY_PACKET = 6
SECRET_KEY_PACKET = 5

_SIGNAL_NUMBER = re.compile(r"\A\+[1-9][0-9]{6,14}\Z")
_SIGNAL_LINK = re.compile(r"\Ahttps://signal\.me/#[A-Za-z0-9_\-./=+%~]{2,300}\Z")
_ONION = re.compile(r"\Ahttps?://([a-z2-7]{56}\.onion)(/[A-Za-z0-9_\-./~%]*)?\Z")
_HUSH_LINE = re.compile(r"\Ahttps://[A-Za-z0-9.-]+\.[A-Za-z]{2,}(/[A-Za-z0-9_\-./~%]*)?\Z")
_SEPARATORS = re.compile(r"[\s\-()]")
_ARMOUR_HEADER = re.compile(r"\A[A-Za-z][A-Za-z0-9-]*: .*\Z")
_BASE64_LINE = re.compile(r"\A[A-Za-z0-9+/=]+\Z")
_CHECKSUM = re.compile(r"\A=[A-Za-z0-9+/]{4}\Z")


def signal_number(text: str) -> str:
    """Return a phone number as Signal links it (``+963912345678``): no spaces or dashes."""
    return _SEPARATORS.sub("", text or "")


def validate_signal(value: str) -> None:
    """Accept a phone number in international form or a signal.me link."""
    if _SIGNAL_LINK.match(value) or _SIGNAL_NUMBER.match(signal_number(value)):
        return
    raise ValidationError(
        _(
            "Give a phone number in international form, such as +963 912 345 678, or a "
            "Signal link starting with https://signal.me/#."
        ),
        code="signal",
    )


def signal_link(value: str) -> str:
    """Return the link that opens a chat with ``value`` in Signal."""
    if value.startswith("https://"):
        return value
    return "https://signal.me/#p/" + signal_number(value)


def validate_onion_address(value: str) -> None:
    """Accept a SecureDrop address: a version 3 onion service (56 letters and digits)."""
    if not _ONION.match(value):
        raise ValidationError(
            _(
                "Give the SecureDrop onion address as Tor Browser opens it: http:// followed "
                "by 56 letters and digits, then .onion."
            ),
            code="onion",
        )


def validate_hush_line(value: str) -> None:
    if not _HUSH_LINE.match(value):
        raise ValidationError(
            _("Give the Hush Line address in full, starting with https://."), code="hush_line"
        )


def _packets(value: str) -> bytes:
    """Return the bytes a public key block's armour holds; raise ValidationError for
    anything that is not one."""
    if "PRIVATE KEY" in value.upper():
        raise ValidationError(
            _(
                "This is a private key: it must never be published. Paste the public key "
                "only, the block that begins with “%(begin)s”."
            ),
            code="private_key",
            params={"begin": PUBLIC_BEGIN},
        )
    lines = [line.strip() for line in value.strip().splitlines()]
    armoured = lines and lines[0] == PUBLIC_BEGIN and lines[-1] == PUBLIC_END
    if len(value) > MAX_KEY_LENGTH or not armoured:
        raise _not_a_public_key()
    inner = lines[1:-1]
    while inner and _ARMOUR_HEADER.match(inner[0]):
        inner.pop(0)
    data = [line for line in inner if line and not _CHECKSUM.match(line)]
    if not data or not all(_BASE64_LINE.match(line) for line in data):
        raise _not_a_public_key()
    try:
        packets = base64.b64decode("".join(data), validate=True)
    except (binascii.Error, ValueError):
        raise _not_a_public_key() from None
    if _first_packet(packets)[0] == SECRET_KEY_PACKET:
        raise ValidationError(
            _(
                "This block holds a private key: it must never be published. Export and "
                "paste the public key only."
            ),
            code="private_key",
        )
    if _first_packet(packets)[0] != PUBLIC_KEY_PACKET:
        raise _not_a_public_key()
    return packets


def _not_a_public_key() -> ValidationError:
    return ValidationError(
        _(
            "This does not look like an ASCII-armoured PGP public key. Paste the whole block, "
            "from “%(begin)s” to “%(end)s”."
        ),
        code="not_public_key",
        params={"begin": PUBLIC_BEGIN, "end": PUBLIC_END},
    )


def _first_packet(packets: bytes) -> tuple[int, bytes]:
    """Return the tag and body of the first OpenPGP packet (RFC 9580, section 4.2);
    tag 0 when it cannot be read."""
    if not packets or not packets[0] & 0x80:
        return 0, b""
    header = packets[0]
    if header & 0x40:  # the new format
        tag = header & 0x3F
        if len(packets) < 2:
            return 0, b""
        first = packets[1]
        if first < 192:
            start, length = 2, first
        elif first < 224 and len(packets) > 2:
            start, length = 3, ((first - 192) << 8) + packets[2] + 192
        elif first == 255 and len(packets) > 5:
            start, length = 6, int.from_bytes(packets[2:6], "big")
        else:
            return 0, b""
    else:  # the legacy format
        tag = (header >> 2) & 0x0F
        size = {0: 1, 1: 2, 2: 4}.get(header & 0x03)
        if size is None or len(packets) < 1 + size:
            return 0, b""
        start, length = 1 + size, int.from_bytes(packets[1 : 1 + size], "big")
    body = packets[start : start + length]
    if len(body) != length:
        return 0, b""
    return tag, body


def validate_public_key(value: str) -> None:
    """Accept an ASCII-armoured PGP public key block; refuse a private key by name."""
    _packets(value)


def key_fingerprint(value: str) -> str:
    """Return the fingerprint of a public key block's primary key (version 4: SHA-1;
    version 6: SHA-256), in capitals; "" when it cannot be worked out."""
    try:
        tag, body = _first_packet(_packets(value))
    except ValidationError:
        return ""
    if tag != PUBLIC_KEY_PACKET or not body:
        return ""
    if body[0] == 4:
        digest = hashlib.sha1(  # the fingerprint's definition, not a choice
            b"\x99" + len(body).to_bytes(2, "big") + body, usedforsecurity=False
        )
        return digest.hexdigest().upper()
    if body[0] == 6:
        return hashlib.sha256(b"\x9b" + len(body).to_bytes(4, "big") + body).hexdigest().upper()
    return ""


def normalize_fingerprint(value: str) -> str:
    """Return a fingerprint as stored: hexadecimal capitals, no spaces."""
    return re.sub(r"\s", "", value or "").upper()


def validate_fingerprint(value: str) -> None:
    if not re.fullmatch(r"[0-9A-F]{40}|[0-9A-F]{64}", normalize_fingerprint(value)):
        raise ValidationError(
            _(
                "A fingerprint is 40 (or, for a newer key, 64) hexadecimal characters; "
                "spaces between the groups are fine."
            ),
            code="fingerprint",
        )


def grouped_fingerprint(value: str) -> str:
    """Return a fingerprint in blocks of four, as readers compare it: ``10B0 8292 …``."""
    plain = normalize_fingerprint(value)
    return " ".join(plain[start : start + 4] for start in range(0, len(plain), 4))
