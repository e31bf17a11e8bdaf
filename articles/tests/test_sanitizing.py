"""The rich-text allow-list: what staff may write, and what never reaches a reader."""

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.utils.text import Truncator

from articles.sanitizing import (
    ALLOWED_TAGS,
    LINK_REL,
    html_to_text,
    sanitize_html,
    truncated_text,
)

XSS_CORPUS = Path(__file__).resolve().parents[3] / "shared" / "security" / "xss-payloads.jsonl"

DANGEROUS_TAGS = {"script", "iframe", "object", "embed", "svg", "math", "style", "img"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "background", "poster"}
DANGEROUS_SCHEMES = ("javascript:", "data:", "vbscript:")


class Parsed(HTMLParser):
    """The tags, attributes and text of a fragment, as a browser's tokenizer sees them."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.events: list[tuple] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text = ""
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self.events.append(("start", tag, tuple(sorted(attrs, key=lambda kv: kv[0]))))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        self.events.append(("end", tag))

    def handle_data(self, data):
        self.text += data
        if self.events and self.events[-1][0] == "data":
            self.events[-1] = ("data", self.events[-1][1] + data)
        else:
            self.events.append(("data", data))

    def handle_comment(self, data):
        self.events.append(("comment", data))

    def tag_names(self) -> set[str]:
        return {tag for tag, _ in self.tags}

    def attrs_of(self, name: str) -> list[dict[str, str | None]]:
        return [attrs for tag, attrs in self.tags if tag == name]


def without_link_rel(events: list[tuple]) -> list[tuple]:
    """The events of a fragment, ignoring the ``rel`` the sanitizer adds to links."""
    cleaned = []
    for event in events:
        if event[0] == "start" and event[1] == "a":
            event = ("start", "a", tuple(kv for kv in event[2] if kv[0] != "rel"))
        cleaned.append(event)
    return cleaned


def squash_url(value: str) -> str:
    """What a browser reads as the scheme: ASCII whitespace and controls carry no meaning."""
    return re.sub(r"[\x00-\x20]", "", value).lower()


# --- empty input -------------------------------------------------------------------------


@pytest.mark.parametrize("empty", [None, ""])
def test_empty_input_gives_empty_string(empty):
    assert sanitize_html(empty) == ""
    assert html_to_text(empty) == ""


# --- what must not survive ---------------------------------------------------------------


def test_script_tags_do_not_survive():
    out = sanitize_html("<p>خبر عاجل</p><script>alert(document.cookie)</script>")
    assert "<script" not in out.lower()
    assert Parsed(out).tag_names() == {"p"}


def test_script_content_does_not_survive_as_text():
    out = sanitize_html("<p>قبل</p><script>stealCookies()</script><p>بعد</p>")
    assert "stealCookies" not in out
    assert Parsed(out).text == "قبلبعد"


def test_script_nested_in_allowed_markup_does_not_survive():
    out = sanitize_html("<p>نص<strong>مهم<script>alert(1)</script></strong></p>")
    assert "alert" not in out
    assert Parsed(out).tag_names() == {"p", "strong"}


@pytest.mark.parametrize(
    "html",
    [
        '<p onclick="alert(1)">نص</p>',
        '<a href="https://example.org/" onclick="alert(1)">رابط</a>',
        '<strong onmouseover="alert(1)">نص</strong>',
        '<p ONERROR="alert(1)">نص</p>',
    ],
)
def test_event_handler_attributes_do_not_survive(html):
    parsed = Parsed(sanitize_html(html))
    assert parsed.tags, "the allowed element itself should be kept"
    for _tag, attrs in parsed.tags:
        assert not [name for name in attrs if name.startswith("on")]
    assert "نص" in parsed.text or "رابط" in parsed.text


def test_img_with_onerror_does_not_survive():
    out = sanitize_html('<p>صورة</p><img src="x" onerror="alert(1)">')
    parsed = Parsed(out)
    assert "img" not in parsed.tag_names()
    assert "onerror" not in out
    assert parsed.text == "صورة"


@pytest.mark.parametrize(
    "href",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "jav&#x09;ascript:alert(1)",
        "jav&#9;ascript:alert(1)",
        "java\nscript:alert(1)",
        " javascript:alert(1)",
        "&#106;avascript:alert(1)",
        "&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1)",
        "vbscript:msgbox(1)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "DATA:text/html,<script>alert(1)</script>",
    ],
)
def test_dangerous_link_urls_do_not_survive(href):
    out = sanitize_html(f'<a href="{href}">اضغط هنا</a>')
    parsed = Parsed(out)
    links = parsed.attrs_of("a")
    # The link text is kept; only the dangerous address goes.
    assert parsed.text == "اضغط هنا"
    for attrs in links:
        assert "href" not in attrs or not squash_url(attrs["href"] or "").startswith(
            DANGEROUS_SCHEMES
        )


def test_style_attributes_do_not_survive():
    out = sanitize_html(
        '<p style="background:url(javascript:alert(1))">نص</p>'
        '<a href="https://example.org/" style="position:fixed;inset:0">رابط</a>'
    )
    assert "style" not in out
    for _tag, attrs in Parsed(out).tags:
        assert "style" not in attrs


def test_style_elements_do_not_survive():
    out = sanitize_html("<style>body{display:none}</style><p>نص</p>")
    assert "<style" not in out
    assert "display:none" not in out
    assert Parsed(out).text == "نص"


def test_iframes_do_not_survive():
    out = sanitize_html('<iframe src="https://evil.example/"></iframe><p>نص</p>')
    assert "<iframe" not in out
    assert "evil.example" not in out
    assert Parsed(out).tag_names() == {"p"}


@pytest.mark.parametrize(
    "html",
    [
        '<object data="https://evil.example/x.swf"></object>',
        '<embed src="https://evil.example/x.swf">',
        "<svg onload=alert(1)>",
        "<svg><script>alert(1)</script></svg>",
        '<svg><a xlink:href="javascript:alert(1)"><text x="20" y="20">XSS</text></a></svg>',
        "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
        '<math href="javascript:alert(1)">CLICK</math>',
        '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
        '<form action="javascript:alert(1)"><button>x</button></form>',
        '<input onfocus="alert(1)" autofocus>',
        '<details open ontoggle="alert(1)">',
        '<!--<img src="--><img src=x onerror=alert(1)//">',
    ],
)
def test_embedded_objects_svg_and_math_payloads_do_not_survive(html):
    out = sanitize_html(html)
    parsed = Parsed(out)
    assert not parsed.tag_names() & DANGEROUS_TAGS
    assert parsed.tag_names() <= ALLOWED_TAGS
    for _tag, attrs in parsed.tags:
        assert not [name for name in attrs if name.startswith("on")]
        for name in URL_ATTRIBUTES & attrs.keys():
            assert not squash_url(attrs[name] or "").startswith(DANGEROUS_SCHEMES)


def test_html_comments_do_not_survive():
    out = sanitize_html("<p>نص</p><!-- ملاحظة داخلية للمحرر -->")
    assert "<!--" not in out
    assert "ملاحظة" not in out


def test_h1_is_not_allowed_but_its_text_is_kept():
    out = sanitize_html("<h1>عنوان رئيسي</h1><p>نص</p>")
    parsed = Parsed(out)
    assert "h1" not in parsed.tag_names()
    assert "عنوان رئيسي" in parsed.text


def test_unknown_wrapper_tags_are_dropped_but_text_kept():
    parsed = Parsed(sanitize_html('<div class="x"><span>نص</span></div>'))
    assert parsed.tags == []
    assert parsed.text == "نص"


# --- what must survive -------------------------------------------------------------------


@pytest.mark.parametrize(
    "html",
    [
        "<p>فقرة أولى</p><p>فقرة ثانية</p>",
        "<h2>عنوان فرعي</h2><h3>عنوان أصغر</h3><h4>أصغر</h4>",
        "<p><strong>مهم</strong> و<em>مائل</em> و<b>عريض</b> و<i>مائل</i></p>",
        "<ul><li>أول</li><li>ثان</li></ul><ol><li>واحد</li><li>اثنان</li></ol>",
        "<blockquote><p>قال المتحدث: لا تعليق.</p></blockquote>",
        "<figure><blockquote>اقتباس</blockquote><figcaption>المصدر</figcaption></figure>",
        "<p>سطر أول<br>سطر ثان</p>",
    ],
)
def test_allowed_markup_survives_unchanged_in_meaning(html):
    out = sanitize_html(html)
    assert Parsed(out).events == Parsed(html).events


@pytest.mark.parametrize(
    "href",
    [
        "https://example.org/ar/الرقة?page=2&amp;sort=new",
        "http://example.org/",
        "mailto:editor@example.org",
    ],
)
def test_links_with_safe_schemes_keep_their_address_and_title(href):
    html = f'<p>اقرأ <a href="{href}" title="المصدر">التقرير</a></p>'
    out = sanitize_html(html)
    assert without_link_rel(Parsed(out).events) == Parsed(html).events
    (link,) = Parsed(out).attrs_of("a")
    assert link["href"] == Parsed(html).attrs_of("a")[0]["href"]
    assert link["title"] == "المصدر"


def test_links_get_noopener_noreferrer_nofollow():
    (link,) = Parsed(sanitize_html('<a href="https://example.org/">رابط</a>')).attrs_of("a")
    assert link["rel"] == "noopener noreferrer nofollow"
    assert LINK_REL == "noopener noreferrer nofollow"


def test_author_supplied_rel_and_target_are_replaced():
    out = sanitize_html('<a href="https://example.org/" rel="opener" target="_blank">رابط</a>')
    (link,) = Parsed(out).attrs_of("a")
    assert link["rel"] == "noopener noreferrer nofollow"
    assert "target" not in link


def test_arabic_text_typographic_quotes_and_nbsp_survive():
    text = "قال “المتحدث”:\u00a0لا تعليق على الخبر."
    out = sanitize_html(f"<p>{text}</p>")
    assert Parsed(out).text == text


def test_escaped_markup_in_text_stays_text():
    out = sanitize_html("<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>")
    parsed = Parsed(out)
    assert parsed.tag_names() == {"p"}
    assert parsed.text == "<script>alert(1)</script>"


def test_surrounding_whitespace_is_trimmed():
    assert sanitize_html("  \n<p>نص</p>\n  ") == "<p>نص</p>"


# --- html_to_text ------------------------------------------------------------------------


def test_html_to_text_gives_one_line_per_block():
    html = (
        "<h2>عنوان</h2><p>الفقرة الأولى</p><p>الفقرة <strong>الثانية</strong></p>"
        "<ul><li>أول</li><li>ثان</li></ul><blockquote>اقتباس</blockquote>"
        "<figure><figcaption>تعليق الصورة</figcaption></figure>"
    )
    assert html_to_text(html).splitlines() == [
        "عنوان",
        "الفقرة الأولى",
        "الفقرة الثانية",
        "أول",
        "ثان",
        "اقتباس",
        "تعليق الصورة",
    ]


def test_html_to_text_breaks_lines_at_br():
    assert html_to_text("<p>سطر أول<br>سطر ثان<br/>سطر ثالث</p>").splitlines() == [
        "سطر أول",
        "سطر ثان",
        "سطر ثالث",
    ]


def test_html_to_text_unescapes_entities():
    text = html_to_text("<p>الحرب &amp; السلام &lt;تحليل&gt; &quot;خاص&quot; &#1593;</p>")
    assert text == 'الحرب & السلام <تحليل> "خاص" ع'


def test_html_to_text_unescapes_only_once():
    assert html_to_text("<p>&amp;lt;b&amp;gt;</p>") == "&lt;b&gt;"


def test_html_to_text_has_no_tags_and_no_blank_lines():
    text = html_to_text('<p>أ</p>\n\n<p> </p><p><a href="https://example.org/">ب</a></p>')
    assert text == "أ\nب"


def test_html_to_text_drops_script_and_style_content():
    text = html_to_text("<p>نص</p><script>alert(1)</script><style>p{color:red}</style>")
    assert text == "نص"


def test_html_to_text_keeps_nbsp_and_quotes_inside_a_line():
    assert html_to_text("<p>“مرحبا”&nbsp;بكم</p>") == "“مرحبا”\u00a0بكم"


# --- the shared XSS corpus ---------------------------------------------------------------


class PayloadChecker(HTMLParser):
    """Collect whatever in sanitized output could run script or restyle the page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in DANGEROUS_TAGS:
            self.problems.append(f"<{tag}> element")
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"<{tag}> is not on the allow-list")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"{name}= event handler on <{tag}>")
            if name == "style":
                self.problems.append(f"style= on <{tag}>")
            if name in URL_ATTRIBUTES:
                squashed = squash_url(value or "")
                for scheme in DANGEROUS_SCHEMES:
                    if scheme in squashed:
                        self.problems.append(f"{name}={value!r} on <{tag}>")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)


def test_shared_xss_corpus_does_not_survive_sanitizing():
    if not XSS_CORPUS.exists():
        pytest.skip(f"{XSS_CORPUS} is not present")
    failures = []
    count = 0
    with XSS_CORPUS.open(encoding="utf-8") as corpus:
        for line in corpus:
            if not line.strip():
                continue
            record = json.loads(line)
            count += 1
            out = sanitize_html(record["payload"])
            checker = PayloadChecker()
            checker.feed(out)
            checker.close()
            problems = list(checker.problems)
            if "<script" in out.lower():
                problems.append("<script in output")
            if problems:
                failures.append((record.get("id"), problems, out[:200]))
    assert count > 0, "the corpus is empty"
    assert not failures, f"{len(failures)} of {count} payloads survived: {failures[:10]}"


# --- truncated_text ----------------------------------------------------------------------

LONG_BODY = "".join(
    f"<h2>القسم {n}</h2><p>فقرة <strong>مُشَكَّلة</strong> رقم {n} &amp; تتمة &lt;نص&gt; "
    f'<a href="https://example.org/{n}" title="رابط">رابط</a>، ثم سطر<br>وسطر آخر.</p>'
    for n in range(60)
)


@pytest.mark.parametrize("length", [1, 40, 200, 1000])
def test_truncated_text_is_the_start_of_the_whole_text_wherever_the_html_is_cut(length):
    """The description reads only the start of a body; the cut may fall in a tag, an
    entity or a word, and must never show."""
    whole = Truncator(html_to_text(LONG_BODY)).chars(length)
    for chunk in range(1, 400, 7):
        assert truncated_text(LONG_BODY, length, chunk=chunk) == whole


def test_truncated_text_of_short_or_empty_html_is_all_its_text():
    assert truncated_text("<p>خبر قصير &amp; مختصر</p>", 200) == "خبر قصير & مختصر"
    assert truncated_text("", 200) == truncated_text(None, 200) == ""


# --- reordering controls --------------------------------------------------------------

RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: "فاتورة\u202efdp.exe" reads "فاتورةexe.pdf"
REORDERING = "".join(map(chr, [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]))
ORDINARY_MARKS = "\u200f\u200e\u061c"  # RLM, LRM, ALM: Arabic text needs them


def test_a_link_cannot_disguise_its_file_name_with_an_override():
    body = f'<p><a href="https://evil.example/{RLO}fdp.exe">فاتورة{RLO}fdp.exe</a></p>'

    cleaned = sanitize_html(body)

    assert RLO not in cleaned
    assert Parsed(cleaned).text == "فاتورةfdp.exe"
    assert 'href="https://evil.example/fdp.exe"' in cleaned


@pytest.mark.parametrize(
    "written",
    [RLO, "&#x202E;", "&#8238;", "&#x2067;", "&rlm;&#x202e;"],
    ids=["character", "hex-reference", "decimal-reference", "isolate", "after-a-mark"],
)
def test_overrides_and_isolates_go_however_they_are_written(written):
    cleaned = sanitize_html(f"<p>تقرير {written}abc</p>")

    assert not set(cleaned) & set(REORDERING)
    assert "abc" in cleaned


def test_a_percent_encoded_override_is_taken_out_of_an_address():
    cleaned = sanitize_html('<a href="https://example.org/a%E2%80%AEb%e2%81%a7c">x</a>')

    assert 'href="https://example.org/abc"' in cleaned


def test_the_marks_arabic_text_needs_stay():
    text = f"قال{ORDINARY_MARKS[0]} إن 10{ORDINARY_MARKS[1]}% من{ORDINARY_MARKS[2]} السكان"

    assert Parsed(sanitize_html(f"<p>{text}</p>")).text == text
