"""Reads of anonymous readers' pages from a PostgreSQL replica, when there is one.

Set ``DATABASE_REPLICA_URL`` and this router sends the reads of the public pages that
anonymous readers ask for to the replica; everything else, every write and everything
staff do (so an editor always sees their own save), uses the primary.

A replica trails the primary by a moment. So that a page rendered from a replica that
has not yet caught up is never kept in the page cache, the page cache middleware reads
from the primary for ``NEWSROOM_REPLICA_LAG_SECONDS`` after any change to content.
"""

from articles.caching.pagecache import anonymous_read

REPLICA = "replica"


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        return REPLICA if anonymous_read.get() else "default"

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica holds the same rows as the primary

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"
