"""VIVO runs the school year: terms, late entries, second rounds; the timing page for all."""

from flask import Blueprint

bp = Blueprint("schedule", __name__)
