"""Expand, then contract (CONTRIBUTING.md, "Add a migration"): a migration whose upgrade
takes away or narrows what older code reads or writes (drops a column or table, renames
one, makes a column NOT NULL, adds a NOT NULL column without a default) carries a
module-level `CONTRACTS` saying which earlier release stopped using it, or, for those from
before the rule, that it did not. In a rolling deploy the servers still on the release
before go on serving (/healthz: `ahead`), so such a migration must find nothing they use."""

import ast
from pathlib import Path

import pytest
from barrierfree.database import MIGRATIONS

pytestmark = pytest.mark.no_database

VERSIONS = Path(MIGRATIONS) / "versions"
# Alembic's operations (on `op` or a batch) that take something away from older code.
DROPS = {"drop_column", "drop_table", "rename_table"}
# The same written as SQL in op.execute.
SQL = ("DROP COLUMN", "DROP TABLE", "SET NOT NULL", "RENAME COLUMN", "RENAME TO")
# The shortest CONTRACTS that can name a release and why.
AT_LEAST = 40


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _is_false(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is False


def destructive_operations(source: str) -> list[str]:
    """What the module's `upgrade()` does that older code may fail on, one line each."""
    tree = ast.parse(source)
    upgrade = next(
        (
            node
            for node in tree.body
            if isinstance(node, ast.FunctionDef) and node.name == "upgrade"
        ),
        None,
    )
    found = []
    for node in ast.walk(upgrade) if upgrade else ():
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            words = " ".join(node.value.upper().split())
            found += [f"line {node.lineno}: SQL {sql}" for sql in SQL if sql in words]
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        name, where = node.func.attr, f"line {node.lineno}: {node.func.attr}"
        if name in DROPS:
            found.append(where)
        elif name == "alter_column" and _is_false(_keyword(node, "nullable")):
            found.append(f"{where} nullable=False")
        elif name == "alter_column" and _keyword(node, "new_column_name") is not None:
            found.append(f"{where} new_column_name")
        elif name == "add_column":  # op.add_column(table, column) or batch.add_column(column)
            for column in (arg for arg in node.args if isinstance(arg, ast.Call)):
                if _is_false(_keyword(column, "nullable")) and not _keyword(
                    column, "server_default"
                ):
                    found.append(f"{where} NOT NULL without server_default")
    return found


def contracts(source: str) -> str | None:
    """The module's CONTRACTS string, if it has one."""
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and [ast.unparse(t) for t in node.targets] == ["CONTRACTS"]:
            value = node.value
            return value.value if isinstance(value, ast.Constant) else None
    return None


def test_every_migration_that_contracts_says_why_it_is_safe():
    files = sorted(VERSIONS.glob("[0-9]*.py"))
    assert len(files) >= 21
    unexplained = {}
    for path in files:
        source = path.read_text(encoding="utf-8")
        operations = destructive_operations(source)
        explained = contracts(source)
        if operations and not (isinstance(explained, str) and len(explained) >= AT_LEAST):
            unexplained[path.name] = operations
    assert unexplained == {}, "add CONTRACTS (CONTRIBUTING.md, 'Add a migration')"


def test_the_migrations_known_to_contract_are_found():
    """The finder sees the ones there are, so a new one is not missed for its spelling."""
    found = {
        path.name
        for path in VERSIONS.glob("[0-9]*.py")
        if destructive_operations(path.read_text(encoding="utf-8"))
    }
    assert found == {"0016_feedback_purged_at.py", "0020_feedback_no_address.py"}


@pytest.mark.parametrize(
    "body",
    [
        'op.drop_column("t", "c")',
        'op.drop_table("t")',
        'op.rename_table("t", "u")',
        'op.alter_column("t", "c", existing_type=sa.Date(), nullable=False)',
        'op.alter_column("t", "c", new_column_name="d")',
        'op.add_column("t", sa.Column("c", sa.Integer(), nullable=False))',
        'op.execute("ALTER TABLE t DROP COLUMN c")',
        'op.execute(f"ALTER TABLE {name}  drop\\n table")',
        'op.execute("ALTER TABLE t ALTER COLUMN c SET NOT NULL")',
        'with op.batch_alter_table("t") as batch_op:\n        batch_op.drop_column("c")',
        'with op.batch_alter_table("t") as batch:\n        batch.alter_column("c", nullable=False)',
    ],
)
def test_each_way_of_contracting_is_found(body):
    source = f"def upgrade():\n    {body}\n\n\ndef downgrade():\n    pass\n"
    assert destructive_operations(source)
    assert contracts(source) is None


@pytest.mark.parametrize(
    "body",
    [
        'op.add_column("t", sa.Column("c", sa.Integer(), nullable=True))',
        'op.add_column("t", sa.Column("c", sa.Boolean(), nullable=False, server_default="0"))',
        'op.alter_column("t", "c", existing_type=sa.Date(), nullable=True)',
        'op.create_table("t", sa.Column("id", sa.Integer(), nullable=False))',
        'op.drop_index("ix_t_c")',
    ],
)
def test_what_only_adds_or_widens_is_not_contracting(body):
    source = f'def upgrade():\n    {body}\n\n\ndef downgrade():\n    op.drop_column("t", "c")\n'
    assert destructive_operations(source) == []
