#!/usr/bin/env python3
"""Embeds Protocol/licenses/compatibility.tsv into Sources/AllmendeModel/LicenseCompatibilityTable.swift.

The table is the source of truth (each row cites the licence text or its steward); the binary carries the same
bytes so an installed `allmende` needs no data files. Run after editing the table; a test checks they are equal.
"""
import pathlib

root = pathlib.Path(__file__).resolve().parent.parent
table = (root / "Protocol" / "licenses" / "compatibility.tsv").read_text(encoding="utf-8")
assert '"""#' not in table
swift = (
    "// LicenseCompatibilityTable.swift: AllmendeModel. Protocol/licenses/compatibility.tsv, embedded by\n"
    "// Scripts/embed-compatibility-table.py. Do not edit by hand: edit the table and run the script.\n\n"
    "enum LicenseCompatibilityTable {\n"
    '    static let text = #"""\n' + table + '"""#\n'
    "}\n"
)
(root / "Sources" / "AllmendeModel" / "LicenseCompatibilityTable.swift").write_text(swift, encoding="utf-8")
