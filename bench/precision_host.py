"""What the host's CPU means for int8 comparisons with ONNX Runtime.

ONNX Runtime's uint8 x int8 kernels (MLAS) on an x86 CPU without VNNI
(AVX2 only, e.g. AMD Zen 1-3 and Intel before Ice Lake) multiply with
`vpmaddubsw`, which adds each pair of 16-bit products in 16 bits and
saturates: a pair such as 255 x 127 + 255 x 127 becomes 32767. Its int8
outputs are then not the exact integer arithmetic of the ONNX operators
(test/e2e/ort-quantized.test measured up to 7 steps of the output scale),
so on such a host ONNX Runtime's int8 model is neither an exact oracle nor
the same computation as AutoGLM's (which is exact on every CPU). With VNNI
(`vpdpbusd`) both are exact.
"""


def cpu_flags():
    """The first CPU's flags from /proc/cpuinfo (empty elsewhere)."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def ort_int8_saturates():
    """Whether ONNX Runtime's u8s8 kernels saturate on this host: an x86
    CPU with AVX2 and neither AVX-512 VNNI nor AVX-VNNI."""
    flags = cpu_flags()
    return "avx2" in flags and not ({"avx512_vnni", "avx_vnni"} & flags)


def ort_int8_note():
    """A line for the scripts' output saying which int8 arithmetic ONNX
    Runtime does on this host."""
    if ort_int8_saturates():
        return ("note: this CPU has AVX2 without VNNI: ONNX Runtime's uint8 x int8 "
                "kernels (vpmaddubsw) saturate pairs of products in 16 bits, so its int8 "
                "outputs are not exact and differ from AutoGLM's exact int32 products by "
                "up to a few quantization steps; its int8 timings are of that inexact "
                "kernel")
    return ("note: ONNX Runtime's uint8 x int8 kernels on this CPU are exact "
            "(VNNI, or not x86 with AVX2)")
