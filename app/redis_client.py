"""Redis clients for several workers: one blocking connection pool per process and purpose.

redis-py's default pool refuses a 101st simultaneous connection ("Too many connections"). Under
eventlet or gevent a thousand greenlets can each be inside a Redis call at once (a connect
storm: presence, rate limits, presence events), so each client here waits up to
REDIS_POOL_TIMEOUT seconds for a free connection instead of failing.
"""

from __future__ import annotations

from typing import Any

import socketio

POOL_SIZE = 64
POOL_TIMEOUT = 20


def redis_client(url: str, **options: Any) -> Any:
    """A redis.Redis on a BlockingConnectionPool of POOL_SIZE connections."""
    import redis

    pool = redis.BlockingConnectionPool.from_url(url, max_connections=POOL_SIZE, timeout=POOL_TIMEOUT, **options)
    return redis.Redis(connection_pool=pool)


class PooledRedisManager(socketio.RedisManager):
    """python-socketio's Redis message queue, publishing through a blocking pool.

    The stock manager gives up on an emit after two "Too many connections" errors, and an emit
    given up is a live delivery lost; here a publisher waits for a connection instead.
    """

    def _redis_connect(self) -> None:
        self.redis = redis_client(self.redis_url, **self.redis_options)
        self.pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
        self.connected = True
