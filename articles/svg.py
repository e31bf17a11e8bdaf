"""The outlet's logo as an SVG file: what an upload must be before it is stored.

The logo is only ever shown through ``<img src>`` from our own media (a script in an
SVG shown that way never runs), and served with a policy that runs nothing
(``articles.media.views``). This check is the other half: a file opened on its own
address, or copied elsewhere, must hold nothing active either. Pure: no model, no
database.
"""

import re
from xml.etree import ElementTree  # nosec B405 # no DTD is ever parsed: validate_svg

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MAX_LOGO_BYTES = 100 * 1024
SVG_NAMESPACE = "http://www.w3.org/2000/svg"
# Elements that run, embed or fetch something; refused wherever they appear.
FORBIDDEN_ELEMENTS = frozenset(
    {"script", "foreignobject", "iframe", "embed", "object", "handler", "listener", "image"}
)
# Declarations an entity expansion or an outside file could hide in.
DECLARATION = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
OUTSIDE_REFERENCE = re.compile(r"url\(\s*['\"]?\s*(?!#)", re.IGNORECASE)


def _local(name: str) -> str:
    return name.rpartition("}")[2].lower()


def _refuse(message, code: str, **params) -> ValidationError:
    return ValidationError(message, code=code, params=params)


def validate_svg(data: bytes) -> None:
    """Raise ``ValidationError`` unless ``data`` is a small, well-formed, inert SVG.

    Refused: more than ``MAX_LOGO_BYTES``; a DOCTYPE or entity; anything that is not
    well-formed XML with an ``<svg>`` root; scripts, ``foreignObject`` and other
    embedding elements; ``on…`` event attributes; and any reference (``href``,
    ``url(…)``) that is not to a part of the file itself (``#id``).
    """
    if len(data) > MAX_LOGO_BYTES:
        raise _refuse(
            _("The logo is larger than %(limit)s KB."), "too_large", limit=MAX_LOGO_BYTES // 1024
        )
    if DECLARATION.search(data):
        raise _refuse(_("The logo may not contain a DOCTYPE or entity declaration."), "doctype")
    try:
        # What defusedxml guards against (entities, outside DTDs) needs a declaration,
        # refused above; expat also caps entity expansion itself.
        root = ElementTree.fromstring(data)  # noqa: S314  # nosec B314 # no DTD, see above
    except ElementTree.ParseError:
        raise _refuse(_("The logo is not a well-formed SVG file."), "malformed") from None
    if root.tag != f"{{{SVG_NAMESPACE}}}svg":
        raise _refuse(_("The logo's outermost element must be <svg>."), "not_svg")
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        name = _local(element.tag)
        if name in FORBIDDEN_ELEMENTS:
            raise _refuse(
                _("The logo may not contain a <%(element)s> element."),
                "forbidden_element",
                element=name,
            )
        if name == "style" and OUTSIDE_REFERENCE.search(element.text or ""):
            raise _refuse(_("The logo may not refer to other files."), "outside_reference")
        for attribute, value in element.attrib.items():
            attribute = _local(attribute)
            if attribute.startswith("on"):
                raise _refuse(
                    _("The logo may not contain event attributes such as %(attribute)s."),
                    "event_attribute",
                    attribute=attribute,
                )
            if attribute == "href" and not value.strip().startswith("#"):
                raise _refuse(_("The logo may not refer to other files."), "outside_reference")
            if OUTSIDE_REFERENCE.search(value):
                raise _refuse(_("The logo may not refer to other files."), "outside_reference")


def validate_svg_file(upload) -> None:
    """Validate an uploaded (or stored) file with :func:`validate_svg`."""
    try:
        upload.seek(0)
        data = upload.read(MAX_LOGO_BYTES + 1)
        upload.seek(0)
    except OSError:  # a stored logo gone from the storage: upload it again
        raise _refuse(_("The logo is not a well-formed SVG file."), "malformed") from None
    validate_svg(data)
