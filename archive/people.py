"""The users of a home: who they are (their passwords), adding them and changing their
role, clearance or department."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress

from archive import access, audit, catalog, passwords, states
from archive.errors import BadInput, BureauError, NotFound
from archive.opened import OpenArchive

PasswordProvider = Callable[[], str]


class SignInFailed(BadInput):
    """An unknown or disabled user, no password, or a wrong one (exit 2, one line)."""


class People(OpenArchive):
    # -- users -------------------------------------------------------------------------------

    def users(self) -> list[access.User]:
        return access.all_users(self.conn)

    def password_cost(self) -> passwords.Cost:
        """What a new password hash costs in this home (`password_hashing` in its config)."""
        return passwords.cost(self.config.extra.get("password_hashing"))

    def authenticate(
        self, password: PasswordProvider, via: str = "cli", required: bool = False
    ) -> access.User:
        """The acting user, once their password is checked (asked only if they have one).

        A user of a home from before passwords has none until an administrator sets it;
        they act as before, and `without_password` says so. Every failure (an unknown or
        disabled user, no password, a wrong one) is recorded in the audit trail before
        SignInFailed is raised. The messages say which it was: this serves a person at
        their own terminal; a front end open to a network answers all alike. With
        `required`, a user without a password is refused too.
        """
        try:
            user = self.user
        except (NotFound, access.Forbidden) as exc:
            self._record_failure(via, str(exc))
            raise SignInFailed(f"cannot sign in as {self.actor!r}: {exc}") from None
        if user.password_hash is None:
            if required:  # a network front end admits nobody without a password
                self._record_failure(via, "the user has no password")
                raise SignInFailed(f"cannot sign in as {self.actor!r}: no password is set")
            self.without_password = True
            return user
        try:
            given = password()
        except BadInput as exc:  # none given, and none can be asked for
            self._record_failure(via, "no password given")
            raise SignInFailed(str(exc)) from None
        if not passwords.matches(user.password_hash, given):
            self._record_failure(via, "wrong password")
            raise SignInFailed(f"cannot sign in as {self.actor!r}: wrong password")
        cost = self.password_cost()
        if passwords.outdated(user.password_hash, cost):
            self._store_password(user.name, passwords.hashed(given, cost), "password_rehash")
        return user

    def _record_failure(self, via: str, reason: str) -> None:
        """A failed sign-in, in the trail (if the passphrase is at hand to write it)."""
        with suppress(BureauError), catalog.write(self.conn):
            audit.append(
                self.conn,
                self.actor,
                "signin_failed",
                None,
                {"name": self.actor, "via": via, "reason": reason},
            )

    def set_password(self, name: str, password: str) -> None:
        """Give `name` a new password (hashed at the home's current cost)."""
        passwords.check_new(password)
        access.get(self.conn, name)
        self._guard(states.user(name), f"user {name}")
        self._store_password(
            name, passwords.hashed(password, self.password_cost()), "user_password"
        )

    def _store_password(self, name: str, encoded: str, action: str) -> None:
        self.audit_key()  # ready (and the acting user checked) before the row changes
        with catalog.write(self.conn):
            access.set_password(self.conn, name, encoded)
            audit.append(self.conn, self.actor, action, None, {"name": name}, [states.user(name)])
        if self._user is not None and self._user.name == name:
            self._user = access.get(self.conn, name)

    def shown_name(self, name: str) -> str:
        """The name people read for the user called `name`: their display name, else the
        login name (also for a name that is no user's, e.g. one removed since)."""
        found = access.lookup(self.conn, name)
        return found.shown_name if found is not None else name

    def users_without_password(self) -> list[str]:
        return [u.name for u in access.all_users(self.conn) if u.password_hash is None]

    def add_user(
        self,
        name: str,
        role: str,
        clearance: str,
        dept: str | None,
        password: str | None = None,
        display_name: str | None = None,
    ) -> access.User:
        """Add a user with their first password (the service layer always gives one; a
        user without one acts unchecked until one is set) and the name people read."""
        code = self.config.department(dept).code if dept else None
        encoded = (
            None
            if password is None
            else passwords.hashed(passwords.check_new(password), self.password_cost())
        )
        with catalog.write(self.conn):
            user = access.add(
                self.conn,
                name,
                role,
                clearance,
                code,
                self.actor,
                self._now(),
                encoded,
                display_name,
            )
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
