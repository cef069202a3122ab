"""What the site takes as a resident's email address: one mailbox, as name@example.com.

Every form that takes an address reads it with `typed_address` first, so an address typed
on a Chinese keyboard's full-width layout (someone＠example。com) is the address it means,
checked, kept and shown again as name@example.com.
"""

import re
import unicodedata
from email.utils import parseaddr

MAX_LENGTH = 254  # RFC 5321's limit on a path
# Characters that would make one field more than one address, or a display name, to a
# mail header: "a@b.cn>,<root" or "postmaster, a@b.cn" must not reach two mailboxes.
_NOT_IN_AN_ADDRESS = r"@\s,;<>()\"\[\]\\"
# Each part stops at the one character that ends it (no dot inside a domain's part), so
# no input makes the pattern backtrack: it answers in a time linear in the length.
_ADDRESS = re.compile(
    rf"[^{_NOT_IN_AN_ADDRESS}]+@[^{_NOT_IN_AN_ADDRESS}.]+(?:\.[^{_NOT_IN_AN_ADDRESS}.]+)+"
)
# A Chinese keyboard types 。 for the dot; internationalised domain names read it as one
# (UTS #46 maps U+3002 to "."), and NFKC turns the other full-width dots into it or into ".".
_IDEOGRAPHIC_FULL_STOP = {0x3002: "."}
_SPACES = re.compile(r"\s+")


def typed_address(text: str) -> str:
    """An address as it is checked, kept and shown again: full-width letters, digits, ＠
    and dots as their ASCII selves (NFKC), 。 as a dot, and no spaces (no address holds
    one)."""
    text = unicodedata.normalize("NFKC", text).translate(_IDEOGRAPHIC_FULL_STOP)
    return _SPACES.sub("", text)


def is_email_address(text: str) -> bool:
    """True for one address of the form name@example.cn, that a mail header reads as the
    same one address."""
    return (
        len(text) <= MAX_LENGTH
        and _ADDRESS.fullmatch(text) is not None
        and parseaddr(text)[1] == text
    )
