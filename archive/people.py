"""The users of a home: adding them and changing their role, clearance or department."""

from __future__ import annotations

from archive import access, audit, catalog, states
from archive.errors import BadInput
from archive.opened import OpenArchive


class People(OpenArchive):
    # -- users -------------------------------------------------------------------------------

    def users(self) -> list[access.User]:
        return access.all_users(self.conn)

    def add_user(self, name: str, role: str, clearance: str, dept: str | None) -> access.User:
        code = self.config.department(dept).code if dept else None
        with catalog.write(self.conn):
            user = access.add(self.conn, name, role, clearance, code, self.actor, self._now())
            audit.append(
                self.conn, self.actor, "user_add", None, user.to_json(), [states.user(name)]
            )
        return user

    def change_user(self, name: str, **changes: object) -> access.User:
        """Change a user's role, clearance, department or whether they are enabled; the
        last enabled administrator cannot be demoted or disabled."""
        if "dept" in changes and changes["dept"]:
            changes["dept"] = self.config.department(str(changes["dept"])).code
        if self.conn.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone():
            self._guard(states.user(name), f"user {name}")
        with catalog.write(self.conn):
            user = access.update(self.conn, name, **changes)
            admins = self.conn.execute(
                "SELECT COUNT(*) FROM users WHERE role = 'admin' AND enabled = 1"
            ).fetchone()[0]
            if admins == 0:
                raise BadInput("that would leave no enabled administrator: nothing was changed")
            audit.append(
                self.conn,
                self.actor,
                "user_change",
                None,
                {"name": name, **user.to_json()},
                [states.user(name)],
            )
        return user
