"""Django's PostgreSQL backend, checking a kept connection's health without a round trip.

With persistent connections, Django checks at the start of each request that the
connection it kept still works (``CONN_HEALTH_CHECKS``) by sending ``SELECT 1`` and
waiting for the answer: one more round trip on every page that reads the database, a
network's latency when the database is on another machine, and one more time the
worker sleeps and is woken.

A session the server ended (a restart, a failover, ``pg_terminate_backend``, an idle
timeout) has something waiting on its socket: the server's goodbye, or the end of the
stream. A healthy idle session has nothing, since it was sent nothing. So the check
looks at the socket first, which takes microseconds, and sends ``SELECT 1`` only when
something is waiting there or the session is not idle. A network that silently drops
the connection is found by neither (``SELECT 1`` would wait for TCP's timeout too).
"""

import select

from django.db.backends.postgresql import base
from psycopg import pq


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self):
        connection = self.connection
        if connection is None or connection.closed or connection.broken:
            return False
        if connection.info.transaction_status != pq.TransactionStatus.IDLE:
            return super().is_usable()
        try:
            poller = select.poll()
            poller.register(connection.fileno(), select.POLLIN | select.POLLPRI)
            waiting = poller.poll(0)
        except (OSError, ValueError, base.Database.Error):
            return False
        return super().is_usable() if waiting else True
