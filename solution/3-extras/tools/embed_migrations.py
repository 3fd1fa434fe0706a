#!/usr/bin/env python3
"""Writes the PostgreSQL migrations as a C++ header, so that the server
carries its schema inside the binary and reads no files at run time.

Usage: embed_migrations.py OUTPUT.hpp MIGRATION.sql...

Each file is named NNN_name.sql; the numbers must run 1, 2, 3, ... with no
gap and no repeat, since the server applies them in that order and records
each by its number.
"""
import os
import re
import sys

NAME = re.compile(r"^(\d{3})_([a-z0-9_]+)\.sql$")
DELIMITER = "migration"


def main() -> int:
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    target, sources = sys.argv[1], sys.argv[2:]
    migrations = []
    for source in sources:
        match = NAME.match(os.path.basename(source))
        if not match:
            print(f"{source}: a migration's name must be NNN_name.sql", file=sys.stderr)
            return 1
        with open(source, encoding="utf-8") as f:
            sql = f.read()
        if f"){DELIMITER}\"" in sql:
            print(f"{source}: the SQL contains the raw-string delimiter", file=sys.stderr)
            return 1
        migrations.append((int(match.group(1)), match.group(2), sql))
    migrations.sort()
    versions = [version for version, _, _ in migrations]
    if versions != list(range(1, len(migrations) + 1)):
        print(f"migrations must be numbered 1 to {len(migrations)} without gaps; "
              f"found {versions}", file=sys.stderr)
        return 1
    with open(target, "w", encoding="utf-8") as f:
        f.write("// Generated from migrations/postgresql/ by embed_migrations.py. Do not edit.\n")
        f.write("#pragma once\n\n#include <string_view>\n\nnamespace user_api {\n\n")
        f.write("struct PostgresMigration {\n  int version;\n  std::string_view name;\n"
                "  std::string_view sql;\n};\n\n")
        f.write("// In the order to apply them.\n")
        f.write("inline constexpr PostgresMigration kPostgresMigrations[] = {\n")
        for version, name, sql in migrations:
            f.write(f'    {{{version}, "{name}", R"{DELIMITER}({sql}){DELIMITER}"}},\n')
        f.write("};\n\n}  // namespace user_api\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
