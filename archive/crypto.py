"""The ciphers of encryption at rest, in one place.

- Content: AES-256-GCM under the item's own data key, with the item id as associated
  data, so a ciphertext moved to another item does not decrypt.
- Keys: a data key is wrapped (AES-256-GCM) by the master key, with the item id and the
  master key's version bound in; the master key is wrapped by a key derived from the
  passphrase with scrypt.
- Derived keys (the blind index's HMAC key, the audit head's MAC key) come from the master
  key through HKDF with a purpose label, so no two uses share a key.

Every decryption failure is an IntegrityError: either the data or the key was changed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from archive.errors import IntegrityError

KEY_BYTES = 32
NONCE_BYTES = 12
CONTENT_MAGIC = b"BUREAU-ENC1\n"
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1


def new_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def encrypt(key: bytes, plaintext: bytes, associated: bytes) -> bytes:
    """`MAGIC | nonce | ciphertext+tag`."""
    nonce = os.urandom(NONCE_BYTES)
    return CONTENT_MAGIC + nonce + AESGCM(key).encrypt(nonce, plaintext, associated)


def decrypt(key: bytes, sealed: bytes, associated: bytes, what: str) -> bytes:
    """The plaintext of `encrypt`; IntegrityError naming `what` if anything was changed."""
    if not sealed.startswith(CONTENT_MAGIC):
        raise IntegrityError(f"{what} is not encrypted data of this archive")
    body = sealed[len(CONTENT_MAGIC) :]
    nonce, ciphertext = body[:NONCE_BYTES], body[NONCE_BYTES:]
    try:
        return AESGCM(key).decrypt(nonce, ciphertext, associated)
    except (InvalidTag, ValueError) as exc:
        raise IntegrityError(f"{what} does not decrypt: it or its key was tampered with") from exc


TEXT_PREFIX = "enc:"


def encrypt_text(key: bytes, text: str, associated: bytes) -> str:
    """A catalog value (a title, a file name) as `enc:` and base64 of its ciphertext."""
    return TEXT_PREFIX + base64.b64encode(encrypt(key, text.encode("utf-8"), associated)).decode()


def decrypt_text(key: bytes, stored: str, associated: bytes, what: str) -> str:
    if not stored.startswith(TEXT_PREFIX):
        raise IntegrityError(f"{what} should be encrypted but is not")
    try:
        sealed = base64.b64decode(stored[len(TEXT_PREFIX) :], validate=True)
    except ValueError as exc:
        raise IntegrityError(f"{what} is damaged") from exc
    return decrypt(key, sealed, associated, what).decode("utf-8")


def is_encrypted(data: bytes) -> bool:
    return data.startswith(CONTENT_MAGIC)


def passphrase_key(passphrase: bytes, salt: bytes, n: int = SCRYPT_N) -> bytes:
    """The key that wraps the master key, derived from the passphrase."""
    return Scrypt(salt=salt, length=KEY_BYTES, n=n, r=SCRYPT_R, p=SCRYPT_P).derive(passphrase)


def derive(master: bytes, purpose: str) -> bytes:
    """A key for one purpose (e.g. "blind-index"), derived from the master key."""
    return HKDF(
        algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=purpose.encode()
    ).derive(master)


def mac(key: bytes, data: bytes) -> str:
    return hmac.new(key, data, hashlib.sha256).hexdigest()


def equal(a: str, b: str | None) -> bool:
    """Whether two MACs (hex) are the same, in constant time."""
    return b is not None and hmac.compare_digest(a, b)
