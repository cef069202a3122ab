"""What the site takes as a resident's email address: one mailbox, as name@example.com."""

import re
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


def is_email_address(text: str) -> bool:
    """True for one address of the form name@example.cn, that a mail header reads as the
    same one address."""
    return (
        len(text) <= MAX_LENGTH
        and _ADDRESS.fullmatch(text) is not None
        and parseaddr(text)[1] == text
    )
