"""Encryption builtins: hashes, EncryptSymmetric/DecryptSymmetric, GetJWT/GetJWTByKeyName.

Expected ciphertexts were produced independently with the openssl command line from a PBKDF2
(HMAC-SHA1, 1000 iterations) key, e.g. ``openssl enc -aes-256-cbc -K <key> -iv <iv> | base64``.
"""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

import ampy
from ampy.settings import Settings

ZERO_SALT = "0000000000000000"
ZERO_IV16 = "0" * 32
ZERO_IV8 = "0" * 16


def render(source: str, **kw) -> str:
    return ampy.render(source, **kw)


def error(source: str, **kw) -> str:
    with pytest.raises(ampy.AmpscriptRuntimeError) as e:
        ampy.render(source, **kw)
    return e.value.message


# ---- hashes ------------------------------------------------------------------------------------

@pytest.mark.parametrize("call, digest", [
    ('MD5("abc")', "900150983cd24fb0d6963f7d28e17f72"),
    ('MD5("")', "d41d8cd98f00b204e9800998ecf8427e"),
    ('SHA1("")', "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
    ('SHA1("abc")', "a9993e364706816aba3e25717850c26c9cd0d89d"),
    ('SHA256("abc")', "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
    ('SHA512("abc")', ("ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
                       "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f")),
    ('MD5("é", "UTF-16")', "ed71e8ffd3d8c47c1a2e22c53cd384aa"),          # bytes e9 00
    ('MD5("é", "utf-8")', "66ddcd97cfdeabb2f6fb8a999b4bc76f"),           # bytes c3 a9
])
def test_hash_digests(call, digest):
    assert render(f"%%={call}=%%") == digest


def test_numbers_are_hashed_as_their_rendered_text():
    assert render('%%=MD5(1.50)=%%') == render('%%=MD5("1.5")=%%')
    assert render('%%=SHA1(Add(1, 2))=%%') == "77de68daecd823babbb58edb1c8e14d7106e83bb"  # sha1("3")


def test_hash_charset_errors():
    assert error('%%=MD5("a", "EBCDIC")=%%') == "MD5: Unknown character set 'EBCDIC'"
    assert error('%%=SHA256("a", "")=%%') == "SHA256: the character set name is empty"


# ---- symmetric encryption ----------------------------------------------------------------------

def _enc(value, algorithm="AES", password="fresh", salt=ZERO_SALT, iv=ZERO_IV16):
    return f'EncryptSymmetric("{value}", "{algorithm}", "", "{password}", "", "{salt}", "", "{iv}")'


def _dec(value, algorithm="AES", password="fresh", salt=ZERO_SALT, iv=ZERO_IV16):
    return f'DecryptSymmetric("{value}", "{algorithm}", "", "{password}", "", "{salt}", "", "{iv}")'


@pytest.mark.parametrize("algorithm, iv, cipher", [
    ("AES", ZERO_IV16, "jKWnhYX7UBg4r6svO7pfww=="),
    ("aes", ZERO_IV16, "jKWnhYX7UBg4r6svO7pfww=="),
    ("TripleDES", ZERO_IV8, "rH+26OdkSGqdkYCCdNVfHg=="),
    ("des", ZERO_IV8, "P0+s+BBvM62qntOXwbiNhw=="),
])
def test_encrypt_matches_openssl(algorithm, iv, cipher):
    assert render(f"%%={_enc('hello world', algorithm, iv=iv)}=%%") == cipher
    assert render(f"%%={_dec(cipher, algorithm, iv=iv)}=%%") == "hello world"


def test_non_ascii_text_salt_and_iv_round_trip():
    text = "Grüße 😀"
    args = {"password": "s3cret pw", "salt": "0102030405060708", "iv": "0f0e0d0c0b0a09080706050403020100"}
    cipher = render(f"%%={_enc(text, **args)}=%%")
    assert cipher == "Qu9VizDtlB4dhCJfXkcPPw=="
    assert render(f"%%={_dec(cipher, **args)}=%%") == text


def test_mode_and_padding_options():
    plain = "hello world, hello world!"
    assert render(f"%%={_enc(plain, 'AES;mode=ECB')}=%%") == "ATg4ZApkxBMnqvjkmhiinqI2vaEYVd1aRP2tSL+tsLs="
    assert render(f"%%={_enc(plain)}=%%") == "ATg4ZApkxBMnqvjkmhiinuqkbCyl+9qnoLVCAbQvvAg="
    zeros = render(f"%%={_enc('abc', 'aes;padding=zeros')}=%%")
    assert zeros == "0l6QTP5IY+Qbu9tLo+zujA=="
    # Zero padding cannot be told from data, so it stays on the decrypted text.
    assert render(f"%%={_dec(zeros, 'aes;padding=zeros')}=%%") == "abc" + "\0" * 13


def test_secrets_by_key_name_win_over_inline_values():
    settings = Settings(keys={"PwKey": {"type": "symmetric", "value": "fresh"},
                              "SaltKey": {"type": "salt", "value": ZERO_SALT},
                              "IvKey": {"type": "iv", "value": ZERO_IV16}})
    src = '%%=EncryptSymmetric("hello world", "AES", "pwkey", "ignored", "SALTKEY", "zz", "IvKey", "zz")=%%'
    assert render(src, settings=settings) == "jKWnhYX7UBg4r6svO7pfww=="


def test_key_value_from_environment(monkeypatch):
    monkeypatch.setenv("AMPY_TEST_PW", "fresh")
    settings = Settings(keys={"Pw": {"type": "symmetric", "value_env": "AMPY_TEST_PW"}})
    src = f'%%=EncryptSymmetric("hello world", "AES", "Pw", "", "", "{ZERO_SALT}", "", "{ZERO_IV16}")=%%'
    assert render(src, settings=settings) == "jKWnhYX7UBg4r6svO7pfww=="


def test_unknown_key_name_aborts_instead_of_using_the_inline_value():
    src = f'%%=EncryptSymmetric("x", "AES", "Nope", "fresh", "", "{ZERO_SALT}", "", "{ZERO_IV16}")=%%'
    assert error(src) == ("EncryptSymmetric: no password key named 'Nope' in the key store "
                          "([keys.Nope] in ampy.toml)")


@pytest.mark.parametrize("call, message", [
    (_enc("x", "RC2"), "EncryptSymmetric: unknown algorithm 'RC2' (use AES, DES or TripleDES)"),
    (_enc("x", "aes;mode=ofb"), "EncryptSymmetric: unsupported algorithm option 'mode=ofb'"),
    (_enc("x", password=""), "EncryptSymmetric: no password given (passwordKey or password)"),
    (_enc("x", salt="00ff"), "EncryptSymmetric: the salt must be at least 8 bytes (16 hex digits), got 2"),
    (_enc("x", salt="not hex!"), "EncryptSymmetric: the salt must be a hexadecimal string, got 'not hex!'"),
    (_enc("x", iv=ZERO_IV8), "EncryptSymmetric: the initialization vector must be 16 bytes (32 hex digits), got 8"),
    (_enc("x", iv=""), "EncryptSymmetric: no initialization vector given (ivKey or iv, a hexadecimal string)"),
    (_dec("not base64!"), "DecryptSymmetric: the cipher text is not valid Base64"),
    (_dec("AAAA"), "DecryptSymmetric: the cipher text is not a whole number of 16-byte blocks"),
    (_dec("jKWnhYX7UBg4r6svO7pfww==", password="stale"),
     "DecryptSymmetric: the cipher text could not be decrypted (wrong password, salt, IV or algorithm)"),
])
def test_encryption_errors(call, message):
    assert error(f"%%={call}=%%") == message


# ---- JSON Web Tokens ---------------------------------------------------------------------------

PAYLOAD = '{"sub":"1234567890","name":"John Doe","iat":1516239022}'
JWT_IO_TOKEN = ("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
                "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ."
                "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c")


def test_get_jwt_matches_the_well_known_hs256_example():
    assert render(f"%%=GetJWT('your-256-bit-secret', 'hs256', '{PAYLOAD}')=%%") == JWT_IO_TOKEN


def test_get_jwt_header_names_the_algorithm_and_payload_is_verbatim():
    token = render("%%=GetJWT('k', 'HS512', 'not json')=%%")
    header, payload, sig = token.split(".")
    assert base64.urlsafe_b64decode(header + "==") == b'{"alg":"HS512","typ":"JWT"}'
    assert base64.urlsafe_b64decode(payload + "==") == b"not json"
    assert len(sig) == 86 and "=" not in token   # 64 bytes, unpadded Base64url


def test_get_jwt_errors():
    assert error("%%=GetJWT('', 'HS256', 'x')=%%") == "GetJWT: the secret is empty"
    assert error("%%=GetJWT('k', 'RS256', 'x')=%%") == "GetJWT: unknown JWT algorithm 'RS256' (use HS256, HS384, HS512)"


def test_get_jwt_by_key_name_hmac():
    settings = Settings(keys={"JwtKey": {"type": "symmetric", "value": "your-256-bit-secret"}})
    assert render(f"%%=GetJWTByKeyName('jwtkey', 'HS256', '{PAYLOAD}')=%%", settings=settings) == JWT_IO_TOKEN
    assert error("%%=GetJWTByKeyName('Other', 'HS256', 'x')=%%", settings=settings) == (
        "GetJWTByKeyName: no signing key named 'Other' in the key store ([keys.Other] in ampy.toml)")


def test_get_jwt_by_key_name_rs256_signs_with_the_private_key():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode("ascii")
    settings = Settings(keys={"Signer": {"type": "asymmetric", "value": pem}})
    token = render("%%=GetJWTByKeyName('Signer', 'rs256', '{}')=%%", settings=settings)
    header, payload, sig = token.split(".")
    assert base64.urlsafe_b64decode(header + "==") == b'{"alg":"RS256","typ":"JWT"}'
    key.public_key().verify(base64.urlsafe_b64decode(sig + "=="), f"{header}.{payload}".encode("ascii"),
                            padding.PKCS1v15(), hashes.SHA256())   # raises if the signature is wrong
    assert error("%%=GetJWTByKeyName('Signer2', 'RS256', '{}')=%%",
                 settings=Settings(keys={"Signer2": {"value": "plain secret"}})) == (
        "GetJWTByKeyName: the key 'Signer2' is not a PEM private key (needed for RS256)")
