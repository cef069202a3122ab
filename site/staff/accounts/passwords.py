"""Passwords: argon2id hashes and the rules a new password must meet.

The rules are NIST SP 800-63B's and OWASP ASVS 5's: at least 8 characters, no composition
rules, not a common password, not the account name. Paste and password managers work
because nothing here or in the forms stands in their way.
"""

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import gettext as _
from zxcvbn.frequency_lists import FREQUENCY_LISTS

# RFC 9106's second recommended profile: 64 MiB, 3 passes, 4 lanes. OWASP's minimum for
# argon2id is 19 MiB, 2 passes, 1 lane; Werkzeug's default scrypt is below that bar.
HASHER = PasswordHasher(time_cost=3, memory_cost=64 * 1024, parallelism=4, type=Type.ID)
MIN_LENGTH = 8
MAX_LENGTH = 128

# The 30,000 most common passwords of the public leaks (as shipped with zxcvbn), and the
# patterns people in China pick most, which English-language lists under-represent.
COMMON = frozenset(FREQUENCY_LISTS["passwords"]) | {
    "woaini1314", "5201314", "woaini520", "aa123456", "a123456", "a123456789", "qq123456",
    "1qaz2wsx", "1q2w3e4r", "zxcvbnm", "abc123456", "123456abc", "password1", "admin123",
    "admin888", "wang1234", "zhang123", "li123456", "88888888", "66666666", "147258369",
    "159357", "1314520", "woaini", "iloveyou1", "canlian123", "chiping123", "qwe123456",
}  # fmt: skip
# A hash of a random password, checked when the account does not exist, so a wrong
# account name takes as long to refuse as a wrong password.
_DUMMY = HASHER.hash("no account has this password: 9f1c2a")


def hash_password(password: str) -> str:
    """The argon2id hash of `password`, with its own random salt."""
    return HASHER.hash(password)


def verify(stored: str | None, password: str) -> bool:
    """True when `password` matches the stored hash; False otherwise, never raising."""
    try:
        return HASHER.verify(stored or _DUMMY, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """True when the hash was made with weaker parameters than today's."""
    return HASHER.check_needs_rehash(stored)


def problem(password: str, username: str = "") -> str | None:
    """Why `password` cannot be used, as a sentence; None when it is fine."""
    if len(password) < MIN_LENGTH:
        return _("密码至少要有 %(n)d 个字符。", n=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _("密码最多 %(n)d 个字符。", n=MAX_LENGTH)
    folded = password.casefold()
    if folded in COMMON or len(set(folded)) == 1:
        return _("这个密码太常见，很容易被猜到。请换一个，例如由几个不相关的词组成的一句话。")
    if username and username.casefold() in folded:
        return _("密码不能包含用户名。")
    return None
