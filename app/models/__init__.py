"""SQLAlchemy models; importing this package registers every table on the metadata.

Each domain lives in its own module here and is imported automatically.
"""

import sys

from app.autoload import import_submodules
from app.models.user import AuthSession, PasswordReset, RefreshToken, User

import_submodules(sys.modules[__name__])

__all__ = ["AuthSession", "PasswordReset", "RefreshToken", "User"]
