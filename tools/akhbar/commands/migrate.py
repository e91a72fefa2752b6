"""`akhbar migrate`."""

from __future__ import annotations

from akhbar.commands.common import EXIT_INVALID, EXIT_OK, add_shard_paths, expand_shards


def register(sub) -> None:
    p = sub.add_parser("migrate", help="bring records of an older 1.x schema to the current schema (atomic)")
    add_shard_paths(p)
    p.add_argument("--check", action="store_true", help="report shards that need migrating; write nothing")
    p.set_defaults(func=run)


def run(args) -> int:
    from akhbar.migrate import migrate_file
    from akhbar.paths import project_root
    from akhbar.schema import CURRENT_SCHEMA_VERSION
    from akhbar.validate import display_path

    pending = 0
    for path in expand_shards(args.paths, project_root()):
        changed = migrate_file(path, check_only=args.check)
        if changed:
            pending += 1
            verb = "would migrate" if args.check else "migrated"
            print(f"{display_path(path)}: {verb} {changed} record(s) to schema {CURRENT_SCHEMA_VERSION}")
    return EXIT_INVALID if args.check and pending else EXIT_OK
