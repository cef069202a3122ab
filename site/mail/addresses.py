"""What the site takes as a resident's email address: one mailbox, as name@example.com.

Every form that takes an address reads it with `typed_address` first, so an address typed
on a Chinese keyboard's full-width layout (someone＠example。com) is the address it means,
checked (`email_problem`), kept and shown again as name@example.com. Only the spaces at
its ends are trimmed: an address with a space inside ("me@qq.com 谢谢", "zhang san@qq.com")
is refused and shown again as typed, as joining its parts would make another mailbox, not
the one meant, and the replies would go there. Words typed straight after it ("me@qq.com谢谢")
are refused too: they end up in the top-level domain, and no top-level domain mixes Latin
letters with other writing (`_TOP_LEVEL`), nor comes after .com (me@163.com。谢谢). A
domain in Chinese (例子.中国) is kept as typed and sent in its ASCII form (`ascii_address`);
a name before the @ in Chinese is refused: most mail servers do not take one (SMTPUTF8),
so the message would wait in the outbox for ever.
"""

import re
import unicodedata
from email.utils import parseaddr

from flask_babel import gettext as _

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
# The last label of a domain: Latin letters (cn, com), the ASCII form of another script's
# (xn--fiqs8s), or that script's letters with no ASCII among them (中国, 公司).
_TOP_LEVEL = re.compile(r"[a-z]{2,63}|xn--[a-z0-9-]+", re.IGNORECASE)


# Endings an address typed in full ends with: words typed after one ("me@163.com。谢谢",
# whose 。 is read as a dot) would make it the label before a top-level domain in Chinese,
# which no name under these is.
_LATIN_ENDINGS = frozenset({"com", "cn", "net", "org", "edu", "gov", "info", "top", "vip"})


def _is_top_level(label: str, before: str) -> bool:
    if _TOP_LEVEL.fullmatch(label):
        return True
    return (
        label.isalpha()
        and not any(character.isascii() for character in label)
        and before.lower() not in _LATIN_ENDINGS
    )


def typed_address(text: str) -> str:
    """An address as it is checked, kept and shown again: full-width letters, digits, ＠
    and dots as their ASCII selves (NFKC), 。 as a dot, and without the spaces at its ends
    (any Unicode space, the full-width one too). Spaces inside are kept, for
    `email_problem` to refuse."""
    return unicodedata.normalize("NFKC", text).translate(_IDEOGRAPHIC_FULL_STOP).strip()


def is_email_address(text: str) -> bool:
    """True for one address of the form name@example.cn, that a mail header reads as the
    same one address."""
    return (
        len(text) <= MAX_LENGTH
        and _ADDRESS.fullmatch(text) is not None
        and parseaddr(text)[1] == text
    )


def ascii_address(text: str) -> str | None:
    """The address as a mail server takes it without SMTPUTF8: the domain's labels in their
    ASCII form (例子.中国 as xn--fsqu00a.xn--fiqs8s); None when the name before the @ is not
    ASCII or the domain has no ASCII form."""
    local, _at, domain = text.rpartition("@")
    if not local.isascii():
        return None
    try:
        return f"{local}@{domain.encode('idna').decode('ascii')}"
    except UnicodeError:
        return None


def email_problem(text: str) -> str | None:
    """What is wrong with an address a resident typed (after `typed_address`, so a space
    left is inside it), or None."""
    if any(character.isspace() for character in text):
        return _("电子邮箱地址中间不能有空格，请删去空格后再提交。")
    if not is_email_address(text):
        return _("电子邮箱的格式不对，应当像 name@example.com。")
    if not text.rpartition("@")[0].isascii():
        return _(
            "“@”前面只能用英文字母、数字和 . _ - + 这样的符号：大多数邮件服务器收不到"
            "用汉字的地址。请换一个邮箱地址。"
        )
    if ascii_address(text) is None:
        return _("电子邮箱的格式不对，应当像 name@example.com。")
    labels = text.rpartition("@")[2].split(".")
    if not _is_top_level(labels[-1], labels[-2]):
        return _("电子邮箱地址的结尾不对，应当像 .com 或 .cn。如果地址后面还写了别的话，请删去。")
    return None
