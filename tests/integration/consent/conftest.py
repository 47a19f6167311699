"""Audit checkpoints in these tests are signed with a key in a temporary keys directory
(``tests.audit_keys``).
"""

# Fixtures are found by name in a conftest, so importing them is what puts them in use.
from tests.audit_keys import _own_keys_dir, _session_keys_dir  # noqa: F401
