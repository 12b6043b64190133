#!/usr/bin/env python3
"""Regenerates Sources/ProvisioningAPI/ConsoleAssets.swift from Sources/ProvisioningAPI/Console/ (the console's
HTML, CSS and JavaScript, embedded in the binary; a test checks they are equal)."""
import os
root = os.path.join(os.path.dirname(__file__), "..")
src = os.path.join(root, "Sources/ProvisioningAPI/Console")
files = [("index", "index.html"), ("css", "console.css"), ("js", "console.js")]
out = ["// Generated from Sources/ProvisioningAPI/Console/ by scripts/console.py (a test checks they are equal). Do not edit.",
       "enum ConsoleAssets {"]
for name, f in files:
    text = open(os.path.join(src, f), encoding="utf-8").read()
    assert '"""##' not in text
    out.append(f"    static let {name} = ##\"\"\"\n{text.rstrip(chr(10))}\n\"\"\"##")
out.append("}")
open(os.path.join(root, "Sources/ProvisioningAPI/ConsoleAssets.swift"), "w", encoding="utf-8").write("\n".join(out) + "\n")
