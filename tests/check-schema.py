#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Check schemas/machine.schema.json: it is a valid JSON Schema 2020-12,
the shipped machines conform, and it agrees with the loader on the config
fixtures it can judge (some errors - missing files, include cycles,
duplicate names, number overflow - need the loader itself).

Needs Debian's python3-jsonschema and python3-yaml; run from the
repository root with /usr/bin/python3 (a pyenv python3 may lack them).
"""
import glob
import json
import sys

import jsonschema
import yaml

SCHEMA = "schemas/machine.schema.json"
FIX = "tests/fixtures/config/"

# Fixtures the schema must accept / reject.
ACCEPT = ["good.yaml", "minimal-x86.yaml", "base.yaml", "child.yaml",
          "sub/child.yaml", "cycle-a.yaml", "bad-missing-image.yaml",
          "bad-dup-device.yaml", "bad-dup-memory.yaml"]
REJECT = ["bad-unknown-key.yaml", "bad-wrong-type.yaml", "bad-number.yaml",
          "bad-size.yaml", "bad-missing-field.yaml", "bad-arch.yaml",
          "bad-stride.yaml", "bad-remove-extra.yaml"]


def load(path):
    with open(path) as f:
        return yaml.safe_load(f)


def main():
    with open(SCHEMA) as f:
        schema = json.load(f)
    cls = jsonschema.Draft202012Validator
    cls.check_schema(schema)
    v = cls(schema)
    failed = 0

    def check(path, want_ok):
        nonlocal failed
        errs = sorted(v.iter_errors(load(path)), key=lambda e: list(e.path))
        ok = not errs
        if ok != want_ok:
            failed += 1
            what = "rejected" if errs else "accepted"
            print(f"FAIL {path}: {what}")
            for e in errs[:3]:
                print(f"    at {'/'.join(map(str, e.path)) or '(root)'}: {e.message}")
        else:
            print(f"ok   {path}: {'accepted' if ok else 'rejected'}")

    for m in sorted(glob.glob("machines/*.yaml")):
        check(m, True)
    for name in ACCEPT:
        check(FIX + name, True)
    for name in REJECT:
        check(FIX + name, False)
    print(f"schema: {failed} failure(s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
