"""Encryption builtins (8): hashes, symmetric encryption, JSON Web Tokens.

EncryptSymmetric / DecryptSymmetric follow what the real engine is known to do (it is .NET):

- The key is derived from the password with PBKDF2 (``Rfc2898DeriveBytes``: HMAC-SHA1, 1000
  iterations) over the salt, as many bytes as the algorithm's key: AES 32 (AES-256), DES 8,
  TripleDES 24.
- The salt and the IV are hexadecimal strings (Key Management stores them that way): the salt at
  least 8 bytes (``Rfc2898DeriveBytes`` refuses less), the IV exactly one block (AES 16 bytes,
  DES/TripleDES 8).
- Mode CBC with PKCS7 padding unless the algorithm text says otherwise
  (``"aes;mode=ecb;padding=zeros"``); the text is UTF-8; the ciphertext is standard Base64.
- Each secret comes either from a named key (``passwordKey``, ``saltKey``, ``ivKey``: resolved from
  the workspace key store, ``[keys.<Name>]`` in ampy.toml) or inline; a non-empty key name wins,
  and an unknown key name aborts rather than falling back to the inline value.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os

from ..errors import FunctionError
from ..registry import builtin
from ..runtime.charsets import decode_bytes, encode_text
from ..runtime.values import to_text

# cryptography is imported by the functions that encrypt or sign: the hashes (hashlib) and a
# template that uses none of these do not load it.

CAT = "Encryption"

PBKDF2_ITERATIONS = 1000   # Rfc2898DeriveBytes' default, which the engine uses


# ---- hashes -------------------------------------------------------------------------------------

def _hash_input(value, charset) -> bytes:
    if charset is None:
        name = None
    else:
        name = to_text(charset).strip()
        if not name:
            raise FunctionError("the character set name is empty")
    try:
        return encode_text(to_text(value), name)
    except ValueError as e:
        raise FunctionError(str(e)) from None


@builtin("MD5", min_args=1, max_args=2, category=CAT, signature="MD5(value, [charSet])")
def md5(value, charset=None):
    """MD5 digest of the text's bytes (UTF-8 unless charSet names another) as 32 lowercase hex digits."""
    return hashlib.md5(_hash_input(value, charset)).hexdigest()


@builtin("SHA1", min_args=1, max_args=2, category=CAT, signature="SHA1(value, [charSet])")
def sha1(value, charset=None):
    """SHA-1 digest of the text's bytes as 40 lowercase hex digits."""
    return hashlib.sha1(_hash_input(value, charset)).hexdigest()


@builtin("SHA256", min_args=1, max_args=2, category=CAT, signature="SHA256(value, [charSet])")
def sha256(value, charset=None):
    """SHA-256 digest of the text's bytes as 64 lowercase hex digits."""
    return hashlib.sha256(_hash_input(value, charset)).hexdigest()


@builtin("SHA512", min_args=1, max_args=2, category=CAT, signature="SHA512(value, [charSet])")
def sha512(value, charset=None):
    """SHA-512 digest of the text's bytes as 128 lowercase hex digits."""
    return hashlib.sha512(_hash_input(value, charset)).hexdigest()


# ---- named keys ---------------------------------------------------------------------------------

def key_value(ctx, name: str, what: str) -> str:
    """The value of a key from the workspace key store; an unknown name aborts."""
    key = ctx.settings.key(name)
    if key is None:
        raise FunctionError(f"no {what} key named '{name}' in the key store ([keys.{name}] in ampy.toml)")
    value = key.get("value")
    if value is None or str(value) == "":
        raise FunctionError(f"the key '{name}' has no value (set value or value_env in ampy.toml)")
    return str(value)


def _secret(ctx, key_name, inline, what: str) -> str:
    """A secret given by key name (wins when non-empty) or inline."""
    name = to_text(key_name).strip()
    if name:
        return key_value(ctx, name, what)
    return to_text(inline)


# ---- symmetric encryption -----------------------------------------------------------------------

# name -> (cipher, key bytes, block bytes)
_ALGORITHMS = {
    "aes": ("AES", 32, 16),
    # Single DES: run as TripleDES with the 8-byte key three times, which is exactly DES.
    "des": ("TripleDES", 8, 8),
    "tripledes": ("TripleDES", 24, 8),
    "3des": ("TripleDES", 24, 8),
}


def _cipher_class(name: str):
    if name == "AES":
        from cryptography.hazmat.primitives.ciphers.algorithms import AES

        return AES
    try:  # cryptography >= 43 keeps TripleDES among the "decrepit" algorithms
        from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
    except ImportError:  # pragma: no cover - older cryptography
        from cryptography.hazmat.primitives.ciphers.algorithms import TripleDES
    return TripleDES
_PADDINGS = ("pkcs7", "zeros", "none", "ansix923", "iso10126")
_MODES = ("cbc", "ecb")


class _CipherSpec:
    def __init__(self, text: str):
        parts = [p.strip() for p in text.split(";")]
        name = parts[0].lower().replace(" ", "")
        if name not in _ALGORITHMS:
            raise FunctionError(f"unknown algorithm '{parts[0]}' (use AES, DES or TripleDES)")
        self.factory, self.key_size, self.block = _ALGORITHMS[name]
        self.mode = "cbc"
        self.padding = "pkcs7"
        for option in parts[1:]:
            if not option:
                continue
            if "=" not in option:
                raise FunctionError(f"malformed algorithm option '{option}' (expected name=value)")
            k, v = (s.strip().lower() for s in option.split("=", 1))
            if k == "mode" and v in _MODES:
                self.mode = v
            elif k == "padding" and v in _PADDINGS:
                self.padding = v
            else:
                raise FunctionError(f"unsupported algorithm option '{option}'")

    def cipher(self, key: bytes, iv: bytes | None):
        from cryptography.hazmat.primitives.ciphers import Cipher, modes

        mode = modes.ECB() if self.mode == "ecb" else modes.CBC(iv)
        if self.factory == "TripleDES" and len(key) == 8:
            key = key * 3   # single DES as TripleDES with K1 = K2 = K3
        return Cipher(_cipher_class(self.factory)(key), mode)

    def pad(self, data: bytes) -> bytes:
        from cryptography.hazmat.primitives import padding as sym_padding

        size = self.block
        if self.padding == "pkcs7":
            p = sym_padding.PKCS7(size * 8).padder()
            return p.update(data) + p.finalize()
        if self.padding == "ansix923":
            p = sym_padding.ANSIX923(size * 8).padder()
            return p.update(data) + p.finalize()
        short = -len(data) % size
        if self.padding == "iso10126":
            fill = (short or size)
            return data + os.urandom(fill - 1) + bytes([fill])
        if self.padding == "zeros":
            return data + b"\0" * short   # .NET adds nothing when already aligned
        if short:
            raise FunctionError(f"padding=none needs a multiple of {size} bytes, got {len(data)}")
        return data

    def unpad(self, data: bytes) -> bytes:
        from cryptography.hazmat.primitives import padding as sym_padding

        size = self.block
        if self.padding in ("pkcs7", "ansix923"):
            cls = sym_padding.PKCS7 if self.padding == "pkcs7" else sym_padding.ANSIX923
            u = cls(size * 8).unpadder()
            return u.update(data) + u.finalize()
        if self.padding == "iso10126":
            n = data[-1] if data else 0
            if not 1 <= n <= size:
                raise ValueError("bad padding")
            return data[:-n]
        return data   # zeros / none: the bytes stay (the catalogue notes padding left on the result)


def _hex_bytes(text: str, what: str) -> bytes:
    try:
        return binascii.unhexlify(text.strip())
    except (binascii.Error, ValueError):
        raise FunctionError(f"the {what} must be a hexadecimal string, got '{text}'") from None


def _derive(ctx, spec: _CipherSpec, args) -> tuple[bytes, bytes | None]:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

    pw_key, pw, salt_key, salt, iv_key, iv = args
    password = _secret(ctx, pw_key, pw, "password")
    if password == "":
        raise FunctionError("no password given (passwordKey or password)")
    salt_text = _secret(ctx, salt_key, salt, "salt")
    if salt_text.strip() == "":
        raise FunctionError("no salt given (saltKey or salt, a hexadecimal string)")
    salt_bytes = _hex_bytes(salt_text, "salt")
    if len(salt_bytes) < 8:
        raise FunctionError(f"the salt must be at least 8 bytes (16 hex digits), got {len(salt_bytes)}")
    kdf = PBKDF2HMAC(algorithm=hashes.SHA1(), length=spec.key_size, salt=salt_bytes, iterations=PBKDF2_ITERATIONS)
    key = kdf.derive(password.encode("utf-8"))
    if spec.mode == "ecb":
        return key, None
    iv_text = _secret(ctx, iv_key, iv, "IV")
    if iv_text.strip() == "":
        raise FunctionError("no initialization vector given (ivKey or iv, a hexadecimal string)")
    iv_bytes = _hex_bytes(iv_text, "initialization vector")
    if len(iv_bytes) != spec.block:
        raise FunctionError(f"the initialization vector must be {spec.block} bytes ({spec.block * 2} hex digits),"
                            f" got {len(iv_bytes)}")
    return key, iv_bytes


@builtin("EncryptSymmetric", min_args=8, max_args=8, category=CAT, needs_context=True,
         signature="EncryptSymmetric(value, algorithm, passwordKey, password, saltKey, salt, ivKey, iv)")
def encrypt_symmetric(ctx, value, algorithm, *secrets):
    """Base64 AES/DES/TripleDES ciphertext (PBKDF2 key from password and hex salt, hex IV, CBC, PKCS7)."""
    spec = _CipherSpec(to_text(algorithm))
    key, iv = _derive(ctx, spec, secrets)
    enc = spec.cipher(key, iv).encryptor()
    data = spec.pad(to_text(value).encode("utf-8"))
    return base64.b64encode(enc.update(data) + enc.finalize()).decode("ascii")


@builtin("DecryptSymmetric", min_args=8, max_args=8, category=CAT, needs_context=True,
         signature="DecryptSymmetric(cipherText, algorithm, passwordKey, password, saltKey, salt, ivKey, iv)")
def decrypt_symmetric(ctx, cipher_text, algorithm, *secrets):
    """Reverses EncryptSymmetric given the same algorithm, password, salt and IV."""
    spec = _CipherSpec(to_text(algorithm))
    key, iv = _derive(ctx, spec, secrets)
    try:
        data = base64.b64decode(to_text(cipher_text).strip(), validate=True)
    except (binascii.Error, ValueError):
        raise FunctionError("the cipher text is not valid Base64") from None
    if not data or len(data) % spec.block:
        raise FunctionError(f"the cipher text is not a whole number of {spec.block}-byte blocks")
    dec = spec.cipher(key, iv).decryptor()
    try:
        plain = spec.unpad(dec.update(data) + dec.finalize())
    except ValueError:
        raise FunctionError("the cipher text could not be decrypted (wrong password, salt, IV or algorithm)") \
            from None
    return decode_bytes(plain, "utf-8")


# ---- JSON Web Tokens ----------------------------------------------------------------------------

_HMAC_HASHES = {"hs256": hashlib.sha256, "hs384": hashlib.sha384, "hs512": hashlib.sha512}
_RSA_HASHES = ("rs256", "rs384", "rs512")


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _signing_input(alg: str, payload) -> bytes:
    header = '{"alg":"' + alg.upper() + '","typ":"JWT"}'
    # The payload is copied verbatim, never parsed as JSON.
    return (_b64url(header.encode("utf-8")) + "." + _b64url(to_text(payload).encode("utf-8"))).encode("ascii")


def _algorithm(algorithm, allowed) -> str:
    alg = to_text(algorithm).strip().lower()
    if alg not in allowed:
        names = ", ".join(a.upper() for a in allowed)
        raise FunctionError(f"unknown JWT algorithm '{to_text(algorithm)}' (use {names})")
    return alg


def _hmac_token(secret: bytes, alg: str, payload) -> str:
    signing_input = _signing_input(alg, payload)
    sig = hmac.new(secret, signing_input, _HMAC_HASHES[alg]).digest()
    return signing_input.decode("ascii") + "." + _b64url(sig)


@builtin("GetJWT", min_args=3, max_args=3, category=CAT, signature="GetJWT(secret, algorithm, payload)")
def get_jwt(secret, algorithm, payload):
    """HS256/HS384/HS512 JSON Web Token (unpadded Base64url) over the payload text, copied verbatim."""
    alg = _algorithm(algorithm, tuple(_HMAC_HASHES))
    key = to_text(secret)
    if key == "":
        raise FunctionError("the secret is empty")
    return _hmac_token(key.encode("utf-8"), alg, payload)


@builtin("GetJWTByKeyName", min_args=3, max_args=3, category=CAT, needs_context=True,
         signature="GetJWTByKeyName(keyName, algorithm, payload)")
def get_jwt_by_key_name(ctx, key_name, algorithm, payload):
    """Like GetJWT with a secret from the key store; RS256-512 sign with a PEM private key there."""
    alg = _algorithm(algorithm, tuple(_HMAC_HASHES) + _RSA_HASHES)
    name = to_text(key_name).strip()
    if not name:
        raise FunctionError("the key name is empty")
    secret = key_value(ctx, name, "signing")
    if alg in _HMAC_HASHES:
        return _hmac_token(secret.encode("utf-8"), alg, payload)
    return _rsa_token(secret, name, alg, payload)


def _rsa_token(pem: str, name: str, alg: str, payload) -> str:
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    try:
        private_key = serialization.load_pem_private_key(pem.encode("utf-8"), password=None)
    except (ValueError, TypeError):
        raise FunctionError(f"the key '{name}' is not a PEM private key (needed for {alg.upper()})") from None
    if not isinstance(private_key, rsa.RSAPrivateKey):
        raise FunctionError(f"the key '{name}' is not an RSA private key (needed for {alg.upper()})")
    digest = {"rs256": hashes.SHA256, "rs384": hashes.SHA384, "rs512": hashes.SHA512}[alg]()
    signing_input = _signing_input(alg, payload)
    sig = private_key.sign(signing_input, padding.PKCS1v15(), digest)
    return signing_input.decode("ascii") + "." + _b64url(sig)
