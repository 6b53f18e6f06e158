"""Running the AutoGLM tools from the bench scripts."""

import subprocess
import sys


def run(cmd):
    """`cmd`'s output (stdout, then stderr); exits the script, naming the
    command and showing its stderr, when it fails."""
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"failed ({result.returncode}): {' '.join(cmd)}\n{result.stderr}")
    return result.stdout + result.stderr
