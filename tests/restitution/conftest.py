"""Fixtures of the restitution tests (shared with the notification tests)."""

from tests.notifications.conftest import consultation, moderator, smtp  # noqa: F401
