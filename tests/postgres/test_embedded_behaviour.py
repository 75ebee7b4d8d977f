"""The embedded home's behaviour tests, run unchanged on a PostgreSQL catalog: the `bureau`
and `archive` fixtures here are tests/postgres/conftest.py's, homes made with
`--catalog postgresql://…`. Left out: the tests that read or tamper with catalog.sqlite
itself (a home on PostgreSQL has no such file)."""

from tests.test_audit_trail import *  # noqa: F403
from tests.test_confidential import *  # noqa: F403
from tests.test_display_names import *  # noqa: F403
from tests.test_filing import *  # noqa: F403
from tests.test_index_cli import *  # noqa: F403
from tests.test_numbers import *  # noqa: F403
from tests.test_retention import *  # noqa: F403
from tests.test_retrieval import *  # noqa: F403
from tests.test_sign_in import *  # noqa: F403

READ_CATALOG_SQLITE = [
    "test_nothing_readable_of_classified_items_is_left_on_disk_after_every_command",
    "test_classifying_an_item_up_leaves_no_plaintext_of_it_behind",
    "test_passwords_are_stored_as_argon2id_hashes_never_as_given",
    "test_a_hash_of_a_lower_cost_is_replaced_at_the_next_sign_in",
    "test_a_hash_replaced_in_the_catalog_is_refused_as_tampering",
]
for _name in READ_CATALOG_SQLITE:
    del globals()[_name]
