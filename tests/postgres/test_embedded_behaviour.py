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
    "test_a_changed_wrapped_data_key_fails_get",
    "test_a_ciphertext_moved_to_another_item_is_refused",
    "test_an_encrypted_item_marked_plain_behind_the_programs_back_is_not_handed_out",
    "test_a_wrong_passphrase_is_refused_with_exit_2_and_changes_nothing",
    "test_an_interrupted_rotation_leaves_every_item_readable_and_resumes",
    "test_an_item_due_for_declassification_becomes_internal_readable_and_searchable",
    "test_classifying_an_item_up_leaves_no_plaintext_of_it_behind",
    "test_executing_a_list_leaves_tombstones_and_files_a_destruction_register",
    "test_audit_verify_tells_a_disposed_item_from_a_missing_or_falsely_disposed_one",
    "test_an_interrupted_execution_run_again_disposes_of_every_item_exactly_once",
    "test_passwords_are_stored_as_argon2id_hashes_never_as_given",
    "test_a_hash_of_a_lower_cost_is_replaced_at_the_next_sign_in",
    "test_a_hash_replaced_in_the_catalog_is_refused_as_tampering",
]
for _name in READ_CATALOG_SQLITE:
    del globals()[_name]
