"""Counts the kernels of a PTX file by where griddepcontrol.wait stands.

Prints "N kernels: W wait then launch their dependents before their first
memory access, D do not, F access memory first; P prefetch into the L2
cache before they wait": W where the kernel's first griddepcontrol.wait
comes before any load, store or atomic other than of its parameters and
is followed by griddepcontrol.launch_dependents before any such access;
D where it has no griddepcontrol.wait; F the rest; P those of W with a
prefetch.global.L2 before the wait (a prefetch only fills the cache, so
it may come first).
"""
import re
import sys

ENTRY = re.compile(r"^\.visible \.entry (\w+)\(|^\.entry (\w+)\(")
MEMORY = re.compile(r"^\s*(?:@!?%\w+\s+)?(?:ld|ldu|st|atom|red|cp\.async)\.(\w+)")


def prefetches_first(lines):
    for line in lines:
        if "griddepcontrol.wait" in line:
            return False
        if "prefetch.global.L2" in line:
            return True
    return False


def classify(lines):
    waited = False
    for line in lines:
        if "griddepcontrol.wait" in line:
            waited = True
            continue
        if "griddepcontrol.launch_dependents" in line:
            return "waits" if waited else "first"
        access = MEMORY.match(line)
        if access and access.group(1) != "param":
            return "first" if waited else "none"
    return "first" if waited else "none"


def main():
    kernels = {}
    current = None
    with open(sys.argv[1]) as ptx:
        for line in ptx:
            entry = ENTRY.match(line)
            if entry:
                current = entry.group(1) or entry.group(2)
                kernels[current] = []
            elif current is not None:
                kernels[current].append(line)
    counts = {"waits": 0, "none": 0, "first": 0}
    prefetching = 0
    for name, lines in kernels.items():
        kind = classify(lines)
        counts[kind] += 1
        prefetching += kind == "waits" and prefetches_first(lines)
        if kind == "first":
            print(f"{name}: accesses memory before griddepcontrol.wait")
    print(f"{len(kernels)} kernels: {counts['waits']} wait then launch their "
          f"dependents before their first memory access, {counts['none']} "
          f"do not, {counts['first']} access memory first; {prefetching} "
          f"prefetch into the L2 cache before they wait")


if __name__ == "__main__":
    main()
