"""The document-number register: reserving, voiding and reading numbers."""

from __future__ import annotations

from datetime import datetime

from archive import numbers
from archive.opened import OpenArchive
from archive.vocab import CLASSIFIED


class NumberRegister(OpenArchive):
    # -- the document-number register ----------------------------------------------------------

    def allocate_number(
        self,
        dept: str,
        template: str | None,
        lang: str,
        year: int | None = None,
        classification: str = "internal",
    ) -> numbers.Number:
        """Reserve the next document number of `dept`'s prefix for `template` documents
        (in the department's classified series for a classified document)."""
        department = self.config.department(dept)
        classified = classification in CLASSIFIED
        now = datetime.now(self.config.tz)
        return numbers.allocate(
            self.conn,
            series=department.prefix("zh", template, classified),
            prefix=department.prefix(lang, template, classified),
            lang=lang,
            year=year or now.year,
            dept=department.code,
            template=template,
            actor=self.actor,
            now=now,
        )

    def void_number(self, number: numbers.Number, reason: str) -> None:
        numbers.void(self.conn, number.key, reason, self.actor)

    def number_register(self, year: int | None = None) -> list[numbers.Number]:
        """The register, without the numbers of items the acting user may not see, nor
        (for a user not cleared for classified documents) the classified series at all."""
        user = self.user
        hidden = {
            row[0]
            for row in self.conn.execute("SELECT id, classification, dept FROM items")
            if not user.sees(row[1], row[2])
        }
        classified_series = {d.classified_prefix("zh") for d in self.config.departments}
        return [
            n
            for n in numbers.register(self.conn, year)
            if n.item_id not in hidden
            and user.sees(CLASSIFIED[0] if n.series in classified_series else "public", n.dept)
        ]
