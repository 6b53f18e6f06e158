#!/usr/bin/env python3
"""Runs the RUN lines of lit tests that need a GPU on a GPU machine that has
the relocatable package but no LLVM (no lit, no FileCheck): `%t`, `%S`,
`%s` and `%python` are substituted as lit does (`%autoglm_src_root` is
this checkout, `%autoglm_obj_root` the package that holds autoglm-opt), `not` inverts a command's
status, and FileCheck is the PyPI port `filecheck` (pip install filecheck;
a wheel carried along where there is no network). autoglm-opt and
autoglm-run come from PATH (the package's bin/).

    scripts/device_lit.py test/e2e/encoder-attention-cuda.test ...

Prints PASS or FAIL per test (with the failing command and its output) and
"N passed, N failed, N unsupported" last; exits 1 when a test fails. A
test whose RUN lines need another substitution (a test program of the
build tree, such as `%cuda_test`) is reported UNSUPPORTED and not run.
REQUIRES lines are not read: name only the tests whose features the
machine has.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile

# Substitutions of the build tree's lit configuration that are not made
# here: test programs the package does not ship, and tool paths.
BUILD_TREE_ONLY = re.compile(
    r"%(cuda_test|fake_cuda_driver|cc|ptxas|cuda_toolkit|cudnn_include)\b")
NOT = 'not() { if "$@"; then return 1; else return 0; fi; }; '


def run_lines(text):
    lines, pending = [], ""
    for line in text.splitlines():
        m = re.search(r"RUN:\s?(.*)$", line)
        if not m:
            continue
        part = m.group(1)
        if part.endswith("\\"):
            pending += part[:-1]
            continue
        lines.append(pending + part)
        pending = ""
    return lines


def main():
    passed = failed = unsupported = 0
    src_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    opt = shutil.which("autoglm-opt")
    obj_root = os.path.dirname(os.path.dirname(opt)) if opt else ""
    for test in sys.argv[1:]:
        path = os.path.abspath(test)
        lines = run_lines(open(path).read())
        missing = sorted({m for line in lines for m in BUILD_TREE_ONLY.findall(line)})
        if missing:
            print(f"UNSUPPORTED: {test} (needs %{', %'.join(missing)} from the build tree)")
            unsupported += 1
            continue
        tmp = os.path.join(tempfile.mkdtemp(prefix="device-lit-"), "t")
        ok = True
        for line in lines:
            cmd = (line.replace("%python", sys.executable)
                   .replace("%autoglm_src_root", src_root)
                   .replace("%autoglm_obj_root", obj_root)
                   .replace("%S", os.path.dirname(path)).replace("%s", path)
                   .replace("%t", tmp))
            cmd = re.sub(r"\bFileCheck\b", "filecheck", cmd)
            done = subprocess.run(["bash", "-o", "pipefail", "-c", NOT + cmd],
                                  capture_output=True, text=True, timeout=600)
            if done.returncode:
                print(f"FAIL: {test}\n$ {cmd}\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
                ok = False
                break
        if ok:
            print(f"PASS: {test}")
        passed += ok
        failed += not ok
    print(f"{passed} passed, {failed} failed, {unsupported} unsupported")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
