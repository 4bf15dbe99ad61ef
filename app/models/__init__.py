"""SQLAlchemy models; importing this package registers every table on the metadata."""

from app.models.user import AuthSession, PasswordReset, RefreshToken, User

__all__ = ["AuthSession", "PasswordReset", "RefreshToken", "User"]
