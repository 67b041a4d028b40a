"""PostgreSQL whose health check costs no round trip while the connection is sound.

With CONN_HEALTH_CHECKS, Django checks a persistent connection at the first query of each
request with a `SELECT 1`: a round trip that was ~8 % of a rendered lesson's time in a
gunicorn worker under load (py-spy, bench/README.md). A server that restarts, or ends the
session, closes the socket or writes its goodbye to it; an idle, sound connection has
nothing to read. So `is_usable` polls the socket first (no wait) and asks the server only
when something is there, or when psycopg already knows the connection is broken.
"""

import select

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self):
        connection = self.connection
        if connection is None or connection.closed or connection.broken:
            return False
        poll = select.poll()
        poll.register(connection.fileno(), select.POLLIN | select.POLLPRI)
        if not poll.poll(0):
            return True
        return super().is_usable()  # something to read: the server's SELECT 1 decides
