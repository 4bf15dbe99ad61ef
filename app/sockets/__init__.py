"""Socket.IO handlers; importing this package registers them."""

from app.sockets import connection  # noqa: F401
