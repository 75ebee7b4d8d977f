"""The embedded home's behaviour tests, run unchanged on a PostgreSQL catalog: the `bureau`
and `archive` fixtures here are tests/postgres/conftest.py's, homes made with
`--catalog postgresql://…`. Left out: the tests that look at catalog.sqlite's own bytes
(a home on PostgreSQL has no such file), and the index command's tests (the index is the
same files whatever the catalog; tests/province/ indexes from PostgreSQL on two servers)."""

from tests.test_audit_trail import *  # noqa: F403
from tests.test_confidential import *  # noqa: F403
from tests.test_display_names import *  # noqa: F403
from tests.test_filing import *  # noqa: F403
from tests.test_numbers import *  # noqa: F403
from tests.test_retention import *  # noqa: F403
from tests.test_retrieval import *  # noqa: F403
from tests.test_sign_in import *  # noqa: F403

CATALOG_FILE_ONLY = [
    "test_nothing_readable_of_classified_items_is_left_on_disk_after_every_command",
    "test_classifying_an_item_up_leaves_no_plaintext_of_it_behind",
]
for _name in CATALOG_FILE_ONLY:
    del globals()[_name]
