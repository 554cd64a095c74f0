from django.template import Context, Template


def render(text):
    return Template("{% load text %}{{ text|markdown }}").render(Context({"text": text}))


def test_studio_markdown_becomes_html():
    html = render("Bring **two outfits**:\n\n- something plain\n- something you love")
    assert "<strong>two outfits</strong>" in html
    assert "<li>something plain</li>" in html


def test_anything_unsafe_is_removed():
    html = render(
        "<script>alert(1)</script><img src=x onerror=alert(1)> [click](javascript:alert(1)) "
        '<a href="https://example.com" onclick="steal()">site</a>'
    )
    assert "<script" not in html
    assert "onerror" not in html
    assert "javascript:" not in html
    assert "onclick" not in html
    assert 'rel="noopener noreferrer nofollow"' in html
