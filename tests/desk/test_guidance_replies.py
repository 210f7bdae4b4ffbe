"""Reply templates fill in the person and case, and warn about what the channel can carry."""

from __future__ import annotations

from beacon.guidance import ReplyTemplate, render_template
from beacon.guidance.markdown import render_markdown
from beacon.guidance.replies import sms_length

TEMPLATE = ReplyTemplate("Hello", "Hello {person_name}, your reference is {case_reference}.")


def test_fills_name_and_reference() -> None:
    reply = render_template(TEMPLATE, person_name="Asha", case_reference="WB-261128-0007", channel="whatsapp")
    assert reply.text == "Hello Asha, your reference is WB-261128-0007."
    assert reply.warnings == () and reply.limit == 4096


def test_missing_name_reads_naturally() -> None:
    reply = render_template(TEMPLATE, person_name=None, case_reference="R1", channel="x")
    assert reply.text.startswith("Hello there,")


def test_unknown_placeholder_is_left_and_warned_not_evaluated() -> None:
    reply = render_template("Hi {person_name.__class__} {address}", person_name="A", case_reference="R", channel="x")
    assert "{address}" in reply.text and "{person_name.__class__}" in reply.text
    assert any("{address}" in w for w in reply.warnings)


def test_short_sms_is_one_text_without_warning() -> None:
    reply = render_template("x" * 160, person_name="A", case_reference="R", channel="sms")
    assert reply.warnings == ()


def test_sms_over_160_warns_of_parts() -> None:
    reply = render_template("word " * 40, person_name="A", case_reference="R", channel="sms")
    assert len(reply.text) == 199
    assert any("2 texts" in w for w in reply.warnings)


def test_sms_over_918_is_cut_at_a_word_and_warned() -> None:
    reply = render_template("word " * 300, person_name="A", case_reference="R", channel="sms")
    assert len(reply.text) <= 918 and reply.text.endswith("word…")
    assert any("too long for SMS" in w for w in reply.warnings)


def test_unicode_sms_counts_70_a_part() -> None:
    length = sms_length("Diolch 🙏 " * 10)
    assert length.unicode and length.parts == 2
    assert sms_length("£5 at the café? é is GSM").unicode is False


def test_instagram_limit_cuts_long_text() -> None:
    reply = render_template("a " * 800, person_name="A", case_reference="R", channel="instagram")
    assert len(reply.text) <= 1000 and reply.warnings


def test_markdown_keeps_no_raw_html_or_script_links() -> None:
    html = str(render_markdown("<img src=x onerror=alert(1)> [x](javascript:alert(1)) [ok](tel:116123)"))
    assert "<img" not in html and "javascript:" not in html.replace("[x](javascript:alert(1))", "")
    assert '<a href="tel:116123">ok</a>' in html
