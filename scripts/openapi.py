#!/usr/bin/env python3
"""Regenerates Sources/ProvisioningAPI/OpenAPIDocument.swift from docs/openapi.json (the served copy)."""
import json, os
root = os.path.join(os.path.dirname(__file__), "..")
text = json.dumps(json.load(open(os.path.join(root, "docs/openapi.json"))), indent=2, sort_keys=True)
open(os.path.join(root, "docs/openapi.json"), "w").write(text + "\n")
swift = ('// Generated from docs/openapi.json by scripts/openapi.py (a test checks they are equal). Do not edit.\n'
         'enum OpenAPIDocument {\n    static let json = #"""\n' + text + '\n"""#\n}\n')
open(os.path.join(root, "Sources/ProvisioningAPI/OpenAPIDocument.swift"), "w").write(swift)
