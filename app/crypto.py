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


def national_numbers_in_use() -> bool:
    """False when NATIONAL_NUMBER_MODE is "absent": the app then asks for no national number
    and shows none, not even one stored before the setting changed (SECURITY.md 24)."""
    return current_app.config["NATIONAL_NUMBER_MODE"] != "absent"


def decrypt_national_number(ciphertext: bytes | None) -> str | None:
    """The clear 11 digits, or None when absent, undecryptable with the current key, or not
    in use. Every page and export reads the number through here, so "absent" hides it
    everywhere; the stored ciphertext stays (switching back shows it again)."""
    if not ciphertext or not national_numbers_in_use():
        return None
    try:
        return _fernet().decrypt(ciphertext).decode()
    except InvalidToken:
        return None


def encrypt_file(content: bytes) -> bytes:
    """Ciphertext of a file that holds personal data (a checked import waiting to be saved)."""
    return _fernet().encrypt(content)


def decrypt_file(ciphertext: bytes, max_age: int) -> bytes:
    """The content again; InvalidToken when tampered with or older than max_age seconds."""
    return _fernet().decrypt(ciphertext, ttl=max_age)


def national_number_index(number: str) -> str:
    """A keyed hash that finds duplicates without decrypting."""
    key = current_app.config["BLIND_INDEX_KEY"].encode()
    return hmac.new(key, number.encode(), hashlib.sha256).hexdigest()
