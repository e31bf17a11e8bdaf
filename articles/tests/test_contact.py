"""The contact page: safe ways for a source to reach the newsroom (Signal, SecureDrop,
Hush Line, a PGP public key), as editors set them, with advice on staying safe; no
form, nothing from another host, no referrer; a private key is never published."""

import base64
import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from lxml import html

from articles.models import SiteSettings
from articles.secure_contact import grouped_fingerprint, key_fingerprint
from articles.tests.signin import sign_in
from staff import roles

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("migration_rows")]

# A throwaway Ed25519 key made for these tests (gpg --quick-gen-key), public half only.
PUBLIC_KEY = """-----BEGIN PGP PUBLIC KEY BLOCK-----

mDMEaxTkGhYJKwYBBAHaRw8BAQdAYb/TnKBskLX1XBu7so7IX9++4a6BkXE87jmr
L4rUB6q0IE5ld3Nyb29tIFRlc3QgPHRpcHNAZXhhbXBsZS5vcmc+iJAEExYIADgW
IQQQsIKSfCH5bRCBTmxDyOqtDAvndQUCaxTkGgIbAwULCQgHAgYVCgkICwIEFgID
AQIeAQIXgAAKCRBDyOqtDAvndcfUAQCn8fjUWwwAWm0hQFpg3mFy+61qfPx2w1Nb
Se9fZXLpkgEA03BSLm6oPRqgOVgXDP4VOpPea5twKKR+od6NnlGQCAU=
=HAKY
-----END PGP PUBLIC KEY BLOCK-----"""
FINGERPRINT = "10B082927C21F96D10814E6C43C8EAAD0C0BE775"
ONION = "http://" + "a" * 56 + ".onion"


def public_key_holding_a_secret_packet() -> str:
    """The public key's armour around a secret-key packet (tag 5): what a mislabelled
    export of a private key looks like."""
    body = "".join(PUBLIC_KEY.splitlines()[2:-2])
    packets = bytearray(base64.b64decode(body))
    packets[0] = 0x94  # the legacy header of tag 5, one length byte, as the key's 0x98
    encoded = base64.b64encode(bytes(packets)).decode()
    lines = [encoded[start : start + 64] for start in range(0, len(encoded), 64)]
    return "\n".join(
        ["-----BEGIN PGP PUBLIC KEY BLOCK-----", "", *lines, "-----END PGP PUBLIC KEY BLOCK-----"]
    )


def tree(response):
    assert response.status_code == 200, response.status_code
    return html.fromstring(response.content.decode())


def set_up(**fields) -> SiteSettings:
    row = SiteSettings.objects.get()
    for name, value in {
        "signal": "+963 912 345 678",
        "securedrop_url": ONION,
        "pgp_key": PUBLIC_KEY,
        "contact_url": "mailto:desk@example.org",
        **fields,
    }.items():
        setattr(row, name, value)
    row.full_clean()
    row.save()
    return row


def test_without_a_safe_channel_there_is_no_page_and_the_footer_keeps_the_address(client):
    row = SiteSettings.objects.get()
    row.contact_url = "mailto:desk@example.org"
    row.save()

    assert client.get("/contact/").status_code == 404
    footer = tree(client.get("/")).xpath("//footer//a[text()='تواصل معنا']/@href")
    assert footer == ["mailto:desk@example.org"]


def test_the_contact_page_shows_each_channel_and_the_fingerprint_in_blocks(client, settings):
    settings.NEWSROOM_SITE_URL = "https://news.example"
    settings.NEWSROOM_ONION_URL = "http://" + "b" * 56 + ".onion"
    set_up()

    response = client.get("/contact/")
    root = tree(response)

    assert response["Referrer-Policy"] == "no-referrer"
    assert client.get("/contact/")["Referrer-Policy"] == "no-referrer"  # the kept copy too
    assert root.xpath("//h1")[0].text_content() == "تواصل معنا بأمان"
    signal = root.xpath('//a[@class="contact__signal"]')[0]
    assert signal.get("href") == "https://signal.me/#p/+963912345678"
    assert signal.get("dir") == "ltr"
    assert ONION in root.xpath('//code[@class="contact__address"]/text()')
    fingerprint = root.xpath('//code[@class="contact__fingerprint"]')[0]
    assert fingerprint.text == "10B0 8292 7C21 F96D 1081 4E6C 43C8 EAAD 0C0B E775"
    assert fingerprint.get("dir") == "ltr"
    assert root.xpath('//pre[@class="contact__key"]')[0].text == PUBLIC_KEY
    # The site's own onion address, from the settings.
    assert settings.NEWSROOM_ONION_URL in root.text_content()
    # The advice, in Arabic by default and in English under /en/.
    advice = root.xpath('//div[@class="contact__advice"]')[0].text_content()
    assert "متصفح Tor" in advice and "الرسائل المختفية" in advice
    english = tree(client.get("/en/contact/"))
    assert "disappearing messages" in english.text_content()
    assert "Tor Browser" in english.text_content()
    # No form, and nothing loaded from another host.
    assert not root.xpath("//form[not(@role='search')]")
    assert not root.xpath("//textarea")
    loaded = root.xpath("//script/@src | //link[@rel='stylesheet']/@href | //img/@src")
    assert all(address.startswith("/") for address in loaded), loaded
    # Every page's footer now leads to it, in the page's language.
    assert tree(client.get("/en/")).xpath("//footer//a[text()='Contact us']/@href") == [
        "/en/contact/"
    ]
    sitemap = client.get("/sitemap-pages.xml").content.decode()
    assert "/contact/</loc>" in sitemap and "/en/contact/</loc>" in sitemap


def test_the_fingerprint_is_worked_out_from_the_key_and_a_wrong_one_is_refused():
    assert key_fingerprint(PUBLIC_KEY) == FINGERPRINT
    assert grouped_fingerprint(FINGERPRINT.lower()) == (
        "10B0 8292 7C21 F96D 1081 4E6C 43C8 EAAD 0C0B E775"
    )
    assert set_up().pgp_fingerprint == FINGERPRINT

    with pytest.raises(ValidationError) as wrong:
        set_up(pgp_fingerprint="0" * 40)

    assert "ليست بصمة المفتاح" in str(wrong.value.message_dict["pgp_fingerprint"])


@pytest.mark.parametrize(
    "pasted",
    [
        "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlFgEaxTkGhYJKwYBBAHaRw8B\n"
        "-----END PGP PRIVATE KEY BLOCK-----",
        PUBLIC_KEY.replace("PUBLIC KEY BLOCK", "PRIVATE KEY BLOCK"),
        public_key_holding_a_secret_packet(),
    ],
    ids=["private-block", "renamed-public", "secret-packet"],
)
def test_a_private_key_is_refused_with_a_clear_error(pasted):
    with pytest.raises(ValidationError) as refused:
        set_up(pgp_key=pasted)

    [message] = refused.value.message_dict["pgp_key"]
    assert "مفتاح خاص" in message and "لا يجوز نشره" in message
    assert SiteSettings.objects.get().pgp_key == ""


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("pgp_key", "ssh-ed25519 AAAAC3Nza"),
        ("pgp_key", PUBLIC_KEY.replace("mDMEaxTk", "mDME!xTk")),
        ("signal", "call me maybe"),
        ("securedrop_url", "https://securedrop.example.org"),
        ("hush_line_url", "javascript:alert(1)"),
        ("pgp_fingerprint", "not hex"),
    ],
)
def test_channels_that_are_not_what_they_say_are_refused(field, value):
    with pytest.raises(ValidationError) as refused:
        set_up(**{field: value})

    assert set(refused.value.message_dict) == {field}


def test_the_admin_refuses_a_private_key_and_keeps_what_the_editor_wrote(client):
    user = get_user_model().objects.create_user(
        username="editor", password="a-long-test-password", is_staff=True
    )
    user.groups.add(Group.objects.get(name=roles.EDITOR))
    editor = sign_in(Client(), user)
    row = SiteSettings.objects.get()
    posted = {
        "about_ar": row.about_ar,
        "corrections_policy_ar": row.corrections_policy_ar,
        "contact_advice_ar": row.contact_advice_ar,
        "contact_url": "",
        "signal": "+963 999 111 222",
        "pgp_key": PUBLIC_KEY.replace("PUBLIC KEY BLOCK", "PRIVATE KEY BLOCK"),
        **{field: "" for field, _label in SiteSettings.SOCIAL},
    }

    refused = editor.post(reverse("admin:articles_sitesettings_change", args=[1]), posted)

    assert refused.status_code == 200
    content = refused.content.decode()
    assert "هذا مفتاح خاص، ولا يجوز نشره أبدًا" in content
    assert re.search(r'name="signal"[^>]*value="\+963 999 111 222"', content)
    row.refresh_from_db()
    assert row.signal == "" and row.pgp_key == ""
    assert client.get("/contact/").status_code == 404
