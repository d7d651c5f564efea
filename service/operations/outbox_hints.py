"""Which users this process wrote feed outbox entries for: the relay's shortcut on the embedded database.

On a real MongoDB the relay finds waiting entries through the `feed_outbox.at` index, whoever wrote
them. The embedded database has no such index (mongomock filters every document in Python), and
only this process can write to it: so there every write that appends an outbox entry also names
its user here, and the relay reads only those users' documents, through the embedded `user_id` index.
"""


class OutboxHints:
    """A set of user ids, taken whole by the relay (what is added meanwhile waits for its next step).

    Collects nothing until a relay that reads it says so (`collect`): on a real MongoDB nobody
    takes the hints, and the set would grow with every user the process ever wrote for.
    """

    def __init__(self) -> None:
        self._users: set[int] = set()
        self._collecting = False

    def collect(self) -> None:
        self._collecting = True

    def add(self, *user_ids: int) -> None:
        if self._collecting:
            self._users.update(user_ids)

    def take(self) -> set[int]:
        taken, self._users = self._users, set()
        return taken


# This process's hints (one embedded database per process).
HINTS = OutboxHints()
