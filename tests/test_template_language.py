"""Templates translate with the locale of their own render: a mail written in another
language in the middle of a request leaves the page in the user's language."""

from flask import render_template_string
from flask_babel import force_locale

TEMPLATE = (
    '{{ _("Stagementor") }} · {{ ngettext("%(num)d student", "%(num)d studenten", 2) }}'
)


def test_a_mail_in_english_between_two_dutch_renders(app):
    with app.test_request_context("/"):
        before = render_template_string(TEMPLATE)
        with force_locale("en"):
            inside = render_template_string(TEMPLATE)
        after = render_template_string(TEMPLATE)
    assert before == after == "Stagementor · 2 studenten"
    assert inside == "Mentor · 2 students"
