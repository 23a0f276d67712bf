"""Encryption at rest for the national number, and its HMAC blind index (SECURITY.md 22)."""

import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app


def _fernet() -> Fernet:
    return Fernet(current_app.config["ENCRYPTION_KEY"].encode())


def encrypt_national_number(number: str) -> bytes:
    """Ciphertext of an 11-digit national number (digits only)."""
    return _fernet().encrypt(number.encode())


def decrypt_national_number(ciphertext: bytes | None) -> str | None:
    """The clear 11 digits, or None when absent or undecryptable with the current key."""
    if not ciphertext:
        return None
    try:
        return _fernet().decrypt(ciphertext).decode()
    except InvalidToken:
        return None


def national_number_index(number: str) -> str:
    """A keyed hash that finds duplicates without decrypting."""
    key = current_app.config["BLIND_INDEX_KEY"].encode()
    return hmac.new(key, number.encode(), hashlib.sha256).hexdigest()
