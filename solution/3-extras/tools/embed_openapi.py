#!/usr/bin/env python3
"""Converts guide/openapi.yaml to JSON and writes it as a C++ header, so
the server serves the description in the repository and nothing else.

Usage: embed_openapi.py INPUT.yaml OUTPUT.hpp
"""
import json
import sys

import yaml


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    source, target = sys.argv[1], sys.argv[2]
    with open(source, encoding="utf-8") as f:
        document = yaml.safe_load(f)
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    delimiter = "openapi"
    if f"){delimiter}\"" in text:
        print(f"{source}: the JSON contains the raw-string delimiter", file=sys.stderr)
        return 1
    with open(target, "w", encoding="utf-8") as f:
        f.write("// Generated from guide/openapi.yaml by embed_openapi.py. Do not edit.\n")
        f.write("#pragma once\n\n#include <string_view>\n\nnamespace user_api {\n\n")
        f.write(f'inline constexpr std::string_view kOpenApiJson = R"{delimiter}({text}){delimiter}";\n')
        f.write("\n}  // namespace user_api\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
