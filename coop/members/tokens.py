"""Signed, expiring tokens for links sent by email (confirming an address, resetting a password)."""

import hashlib
from datetime import timedelta

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

CONFIRM_SALT = "coop.members.confirm-email"
RESET_SALT = "coop.members.reset-password"


class TokenError(ValueError):
    """A token that cannot be used; `expired` says whether it was merely too old."""

    def __init__(self, expired: bool) -> None:
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


def _fingerprint(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:16]


def make_token(secret_key: str, salt: str, member_id: int, bound_to: str) -> str:
    """Sign a member id together with a fingerprint of `bound_to`.

    Binding a reset token to the current password hash makes it single-use: once the
    password changes, the fingerprint no longer matches. A confirmation token is bound to
    the email address, so it stops working if the address changes.
    """
    serializer = URLSafeTimedSerializer(secret_key, salt=salt)
    return serializer.dumps({"m": member_id, "f": _fingerprint(bound_to)})


def read_token(secret_key: str, salt: str, token: str, max_age: timedelta) -> tuple[int, str]:
    """Return (member id, fingerprint) from a token, or raise TokenError."""
    serializer = URLSafeTimedSerializer(secret_key, salt=salt)
    try:
        data = serializer.loads(token, max_age=int(max_age.total_seconds()))
    except SignatureExpired as error:
        raise TokenError(expired=True) from error
    except BadSignature as error:
        raise TokenError(expired=False) from error
    if not isinstance(data, dict) or not isinstance(data.get("m"), int):
        raise TokenError(expired=False)
    return data["m"], str(data.get("f", ""))


def matches(fingerprint: str, bound_to: str) -> bool:
    """True when a token's fingerprint still matches the value it was bound to."""
    return fingerprint == _fingerprint(bound_to)
