"""federation.content: sanitising federated HTML and rendering local text."""

from __future__ import annotations

import pytest

from federation.content import (
    MentionRef,
    find_hashtags,
    find_mentions,
    html_to_text,
    render_text,
    sanitize_html,
)

MENTION_URLS = {
    "@alice@mastodon.example": "https://mastodon.example/@alice",
    "@bob": "https://moot.example/users/bob",
}
REL = 'rel="nofollow noopener noreferrer"'


def tag_url(tag: str) -> str:
    return f"https://moot.example/tags/{tag.lower()}"


def render(text: str) -> str:
    return render_text(text, mention_urls=MENTION_URLS, tag_url=tag_url)


# --- sanitize_html --------------------------------------------------------------


@pytest.mark.parametrize(
    ("dirty", "forbidden"),
    [
        ("<p>hi<script>alert(1)</script></p>", "alert"),
        ('<p><img src="x" onerror="alert(1)">hi</p>', "onerror"),
        ('<p><img src="x" onerror="alert(1)">hi</p>', "<img"),
        ('<a href="javascript:alert(1)">x</a>', "javascript"),
        ('<a href="JaVaScRiPt:alert(1)">x</a>', "alert"),
        ('<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>', "data:"),
        ('<p style="position:fixed">x</p>', "style"),
        ("<style>p { display: none }</style><p>x</p>", "display"),
        ('<iframe src="https://evil.example/"></iframe><p>x</p>', "iframe"),
        ('<iframe src="https://evil.example/">fallback</iframe>', "fallback"),
        ('<p onclick="steal()">x</p>', "onclick"),
        ('<svg><script>alert(1)</script></svg>', "alert"),
        ('<form action="https://evil.example"><input name="pw"></form>', "<input"),
        ('<a href="https://ok.example" onmouseover="x()">x</a>', "onmouseover"),
        ("<scr<script>ipt>alert(1)</script>", "<script"),
        ("<!-- hidden --><p>x</p>", "hidden"),
    ],
)
def test_xss_vectors_are_removed(dirty: str, forbidden: str) -> None:
    assert forbidden.lower() not in sanitize_html(dirty).lower()


def test_allowed_markup_is_kept() -> None:
    kept = (
        "<p>a<br><strong>b</strong> <em>c</em> <b>d</b> <i>e</i> <u>f</u> <s>g</s> <del>h</del>"
        " <code>i</code> <sup>j</sup> <sub>k</sub></p><pre>l</pre><blockquote>m</blockquote>"
        "<ul><li>n</li></ul><ol><li>o</li></ol>"
    )
    assert sanitize_html(kept) == kept


def test_mastodon_mention_markup_survives_with_forced_rel() -> None:
    mention = (
        '<span class="h-card" translate="no"><a href="https://lemmy.example/c/gardening" '
        'class="u-url mention" rel="me">@<span>gardening</span></a></span>'
    )
    clean = sanitize_html(mention)
    assert '<span class="h-card">' in clean
    assert 'href="https://lemmy.example/c/gardening"' in clean
    assert 'class="u-url mention"' in clean
    assert REL in clean and 'rel="me"' not in clean
    assert "translate" not in clean


def test_unknown_classes_and_tags_are_dropped() -> None:
    clean = sanitize_html('<h1 class="big">Title</h1><span class="invisible evil">x</span><marquee>y</marquee>')
    assert clean == '<h1>Title</h1><span class="invisible">x</span>y'


@pytest.mark.parametrize(
    ("markup", "clean"),
    [
        ("<h2>Title</h2>Text", "<h2>Title</h2>Text"),
        ('<h3 id="x">Title</h3><p>Text</p>', "<h3>Title</h3><p>Text</p>"),
        ("Title<hr/>Text", "Title<hr>Text"),
    ],
)
def test_headings_keep_their_break_when_sanitised_and_extracted(markup: str, clean: str) -> None:
    """Lemmy and WriteFreely send headings: stripping the tags glued the title to the text ("TitleText")."""
    assert sanitize_html(markup) == clean  # kept as block elements, so a browser shows the break
    assert html_to_text(clean) == html_to_text(markup) == "Title\n\nText"


def test_links_keep_only_safe_schemes() -> None:
    assert 'href="mailto:a@b.example"' in sanitize_html('<a href="mailto:a@b.example">m</a>')
    assert "href" not in sanitize_html('<a href="/relative/path">r</a>')
    assert "href" not in sanitize_html('<a href="ftp://files.example/">f</a>')
    assert 'title="t"' in sanitize_html('<a href="https://a.example" title="t" target="_top">x</a>')
    assert "target" not in sanitize_html('<a href="https://a.example" target="_top">x</a>')


# --- mentions and hashtags ------------------------------------------------------


def test_find_mentions() -> None:
    text = "hi @alice@mastodon.example and @bob, again @ALICE@mastodon.example; mail me@x.example"
    assert find_mentions(text) == [
        MentionRef(username="alice", domain="mastodon.example", text="@alice@mastodon.example"),
        MentionRef(username="bob", domain=None, text="@bob"),
    ]


def test_find_mentions_skips_urls_and_trailing_dots() -> None:
    assert find_mentions("see https://mastodon.example/@alice and @carol@lemmy.example.") == [
        MentionRef(username="carol", domain="lemmy.example", text="@carol@lemmy.example")
    ]


def test_find_hashtags() -> None:
    text = (
        "#Garden and #garden #2024 #año_nuevo #日本 C#sharp"
        " https://x.example/#anchor https://x.example/p#frag"
    )
    assert find_hashtags(text) == ["Garden", "año_nuevo", "日本"]


# --- render_text ----------------------------------------------------------------


def test_render_escapes_html() -> None:
    assert render('<script>alert("x")</script> & \'q\'') == (
        "<p>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#x27;q&#x27;</p>"
    )


def test_render_paragraphs_and_line_breaks() -> None:
    assert render("one\ntwo\r\n\r\nthree\n\n\n\nfour") == "<p>one<br>two</p><p>three</p><p>four</p>"
    assert render("   ") == ""


def test_render_links_urls() -> None:
    html = render("read https://garden.example/a?b=1&c=2. (or https://x.example/w_(x)).")
    assert (
        f'<a href="https://garden.example/a?b=1&amp;c=2" {REL} target="_blank">'
        "https://garden.example/a?b=1&amp;c=2</a>."
    ) in html
    assert 'href="https://x.example/w_(x)"' in html and "</a>)." in html
    assert "<a " not in render("nohttps://a.example and https:///no-host")


def test_render_known_mentions() -> None:
    html = render("thanks @alice@mastodon.example and @bob")
    assert (
        '<span class="h-card"><a href="https://mastodon.example/@alice" class="u-url mention">'
        "@<span>alice</span></a></span>"
    ) in html
    assert 'href="https://moot.example/users/bob" class="u-url mention">@<span>bob</span>' in html


def test_render_unknown_mention_stays_text() -> None:
    assert render("cc @carol@lemmy.example") == "<p>cc @carol@lemmy.example</p>"


def test_render_hashtags() -> None:
    assert render("#Compost rules") == (
        '<p><a href="https://moot.example/tags/compost" class="mention hashtag" rel="tag">'
        "#<span>Compost</span></a> rules</p>"
    )


def test_render_does_not_link_inside_urls() -> None:
    html = render("https://x.example/#anchor https://mastodon.example/@alice@mastodon.example")
    assert "hashtag" not in html and "mention" not in html
    assert html.count("<a ") == 2


def test_render_escapes_urls_returned_by_callers() -> None:
    html = render_text("#x", mention_urls={}, tag_url=lambda tag: 'https://e.example/"><b>')
    assert '"><b>' not in html and "&quot;&gt;&lt;b&gt;" in html


def test_rendered_html_survives_sanitising() -> None:
    # Our own markup must pass the allowlist we apply to everyone else's.
    html = render("hi @alice@mastodon.example #Compost https://garden.example/\n\nbye")
    clean = sanitize_html(html)
    for piece in (
        '<span class="h-card">',
        'href="https://mastodon.example/@alice" class="u-url mention"',
        'href="https://moot.example/tags/compost" class="mention hashtag"',
        'href="https://garden.example/"',
        "<p>bye</p>",
    ):
        assert piece in clean
    assert html_to_text(clean) == html_to_text(html)


# --- html_to_text ---------------------------------------------------------------


def test_html_to_text() -> None:
    html = (
        '<p>Hello &amp; <b>welcome</b><br>line two<br/>three</p>'
        '<p>see <a href="https://x.example"><span class="invisible">https://</span>x.example</a></p>'
        "<ul><li>a</li><li>b</li></ul><script>hidden()</script>"
    )
    assert html_to_text(html) == "Hello & welcome\nline two\nthree\n\nsee https://x.example\n\na\nb"


def test_html_to_text_plain_input() -> None:
    assert html_to_text("no markup &lt;here&gt;") == "no markup <here>"
