#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Check schemas/machine.schema.json with a real JSON Schema validator
(Debian's python3-jsonschema, Draft 2020-12):

  - it is what `vmb schema` prints (the schema is generated from the
    loader's rules and the device registry; regenerate it with
    `./vmb schema -o schemas/machine.schema.json`);
  - it is a valid 2020-12 schema;
  - every shipped machine and every whole-machine fixture passes;
  - every bad fixture whose error a schema can express is rejected, and
    vmb itself (`vmb check`) rejects each of them too.

Errors a schema cannot express (files that must exist, include cycles,
duplicate names after merging, 64-bit overflow, board-level clashes, a
device property checked against a type that only an included file names)
are listed in LOADER_ONLY with the reason.

Usage: /usr/bin/python3 tests/check-schema.py [VMB]   (from the repo root)
"""
import glob
import json
import os
import subprocess
import sys
import tempfile

import jsonschema
import yaml

SCHEMA = "schemas/machine.schema.json"
FIX = "tests/fixtures/"

# Valid for the loader (as partial or whole machines): the schema accepts.
ACCEPT = ["config/minimal-x86.yaml", "config/base.yaml", "config/child.yaml",
          "config/sub/child.yaml", "config/cycle-a.yaml",
          "config/bad-missing-image.yaml", "config/bad-dup-device.yaml",
          "config/bad-dup-memory.yaml", "config/bad-size-overflow.yaml",
          "config/bad-image-too-big.yaml", "config/bad-dup-include.yaml",
          "config/bad-missing-include.yaml", "config/bad-remove.yaml",
          "config/cycle-b.yaml"]
# Why the schema cannot reject those of them that vmb rejects.
LOADER_ONLY = {
    "config/base.yaml": "needs a fixed-clock device named apb-pclk (board)",
    "config/child.yaml": "uart0's type comes from the included file",
    "config/sub/child.yaml": "includes base.yaml (board)",
    "config/cycle-a.yaml": "include cycle",
    "config/cycle-b.yaml": "include cycle",
    "config/bad-missing-image.yaml": "file must exist",
    "config/bad-dup-device.yaml": "duplicate names after count expansion",
    "config/bad-dup-memory.yaml": "duplicate names",
    "config/bad-dup-include.yaml": "duplicate names in one list",
    "config/bad-size-overflow.yaml": "64-bit overflow of a suffixed size",
    "config/bad-image-too-big.yaml": "file size",
    "config/bad-missing-include.yaml": "file must exist",
    "config/bad-remove.yaml": "remove of a name no included file has",
}
# Rejected by vmb and by the schema.
REJECT = ["config/bad-unknown-key.yaml", "config/bad-wrong-type.yaml",
          "config/bad-number.yaml", "config/bad-size.yaml",
          "config/bad-missing-field.yaml", "config/bad-arch.yaml",
          "config/bad-stride.yaml", "config/bad-remove-extra.yaml",
          "config/extra.yaml",
          # loader-valid, but pl011 has no 'queues', armv8-timer no 'files'
          "config/good.yaml"] + \
    sorted(p[len(FIX):] for p in glob.glob(FIX + "schema/bad-*.yaml"))


class Loader(yaml.SafeLoader):
    """YAML as an editor's JSON view sees it: timestamps stay strings
    (YAML 1.2 has no timestamp type; PyYAML's 1.1 resolver would make
    rtc-start a datetime, which is not JSON)."""


Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}


def load(path):
    with open(path) as f:
        return yaml.load(f, Loader=Loader)


def main():
    vmb = sys.argv[1] if len(sys.argv) > 1 else "./vmb"
    failed = 0

    with open(SCHEMA) as f:
        text = f.read()
    generated = subprocess.run([vmb, "schema"], capture_output=True,
                               text=True, check=True).stdout
    if generated != text:
        print(f"FAIL {SCHEMA} differs from `{vmb} schema` output; regenerate "
              f"it with: {vmb} schema -o {SCHEMA}")
        failed += 1
    else:
        print(f"ok   {SCHEMA} equals `vmb schema`")
    schema = json.loads(text)
    cls = jsonschema.Draft202012Validator
    cls.check_schema(schema)
    v = cls(schema)

    def check(path, want_ok):
        nonlocal failed
        errs = sorted(v.iter_errors(load(path)), key=lambda e: list(e.path))
        ok = not errs
        if ok != want_ok:
            failed += 1
            what = "rejected" if errs else "accepted"
            print(f"FAIL {path}: schema {what} it")
            for e in errs[:3]:
                print(f"    at {'/'.join(map(str, e.path)) or '(root)'}: "
                      f"{e.message[:300]}")
        else:
            print(f"ok   {path}: schema {'accepts' if ok else 'rejects'}")

    def vmb_rejects(path):
        nonlocal failed
        r = subprocess.run([vmb, "check", path], capture_output=True, text=True)
        if r.returncode != 1:
            failed += 1
            print(f"FAIL {path}: vmb check exit {r.returncode}, expected 1")

    for m in sorted(glob.glob("machines/*.yaml")):
        check(m, True)
    for m in sorted(glob.glob(FIX + "machines/*.yaml")):
        check(m, True)
    # `vmb resolve` output passes too (a dummy kernel for hello-arm64).
    with tempfile.TemporaryDirectory() as tmp:
        kernel = os.path.join(tmp, "kernel.bin")
        with open(kernel, "wb") as f:
            f.write(b"\0" * 64)
        for m in sorted(glob.glob("machines/*.yaml")):
            out = os.path.join(tmp, os.path.basename(m))
            subprocess.run([vmb, "resolve", m, "--kernel", kernel, "-o", out],
                           check=True)
            check(out, True)
    for name in ACCEPT:
        check(FIX + name, True)
        r = subprocess.run([vmb, "check", FIX + name], capture_output=True)
        # "no backend can run" is about this host (no /dev/kvm), not the file.
        if (r.returncode != 0 and b"no backend can run" not in r.stderr
                and name not in LOADER_ONLY):
            failed += 1
            print(f"FAIL {name}: vmb rejects it and no reason is listed "
                  f"why the schema cannot")
    for name in REJECT:
        check(FIX + name, False)
        vmb_rejects(FIX + name)
    print(f"schema: {failed} failure(s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
