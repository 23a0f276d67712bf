"""Supervisor form (manual section 3)."""

from app.contacts import ContactForm


class SupervisorForm(ContactForm):
    """A stage-/werkplekbegeleider of the school: name, phone and e-mail."""
