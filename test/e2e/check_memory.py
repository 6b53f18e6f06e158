"""Checks a compiled model's memory plan against its report and code:

    check_memory.py REPORT.json MODEL.ll INFO.txt

REPORT.json from --memory-report, MODEL.ll from --emit=llvm, INFO.txt from
`autoglm-run MODEL.so --info`. Prints one summary line; exits 1 when the
arena is outside [lower bound, naive], differs from the workspace the
model asks the runtime for, or the compiled code calls an allocator."""
import json
import re
import sys

report = json.load(open(sys.argv[1]))
code = open(sys.argv[2]).read()
info = open(sys.argv[3]).read()

arena, naive, bound = report["arena_bytes"], report["naive_bytes"], report["lower_bound_bytes"]
workspace = int(re.search(r"(\d+)-byte workspace", info).group(1))
allocators = sorted(set(re.findall(r"call [^\n]*@(malloc|calloc|realloc|free|aligned_alloc|posix_memalign)\(", code)))
problems = []
if not bound <= arena <= naive:
    problems.append(f"arena {arena} outside [lower bound {bound}, naive {naive}]")
if workspace != arena:
    problems.append(f"the model asks for a {workspace}-byte workspace, the plan has {arena}")
if allocators:
    problems.append("the compiled code calls " + ", ".join(allocators))
print(f"arena {arena} bytes = {arena / bound:.2f} x lower bound, {arena / naive:.2f} x naive; "
      f"{report['buffers']} buffers, {report['in_place']} in place; workspace matches: "
      f"{workspace == arena}; allocator calls: {len(allocators)}")
for problem in problems:
    print("FAILED:", problem)
sys.exit(1 if problems else 0)
