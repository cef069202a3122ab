"""Mail to the resident about an item (being built): the reference and status link when it
is received, and staff's public replies, when the resident chose an answer by email."""

from .models import FeedbackItem, FeedbackMessage


def received(item: FeedbackItem, token: str) -> None:
    """Queue the receipt, in the transaction that stores the item."""


def replied(item: FeedbackItem, message: FeedbackMessage) -> None:
    """Queue a public reply, in the transaction that stores it."""
