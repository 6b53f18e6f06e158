#!/usr/bin/env python3
"""Rounding error of Winograd F(2x2, 3x3) and F(4x4, 3x3) in float32.

Computes 3x3 stride-1 convolutions three ways in float32 with NumPy (the
direct sum, and both Winograd variants with the filter transformed in
float64 and rounded once, as lib/Target/CPU/WinogradConv.cpp does) and
compares each with the float64 direct sum. Prints, per case and method,
the largest absolute error, that error over the output's largest
magnitude, and the root-mean-square relative error.

    .venv/bin/python bench/winograd_error.py
"""

import numpy as np

# B^T, G, A^T of each variant (points 0, +-1, +-2, infinity for F(4x4)).
VARIANTS = {
    "F(2x2,3x3)": (
        [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]],
        [[1, 0, 0], [.5, .5, .5], [.5, -.5, .5], [0, 0, 1]],
        [[1, 1, 1, 0], [0, 1, -1, -1]]),
    "F(4x4,3x3)": (
        [[4, 0, -5, 0, 1, 0], [0, -4, -4, 1, 1, 0], [0, 4, -4, -1, 1, 0],
         [0, -2, -1, 2, 1, 0], [0, 2, -1, -2, 1, 0], [0, 4, 0, -5, 0, 1]],
        [[1 / 4, 0, 0], [-1 / 6, -1 / 6, -1 / 6], [-1 / 6, 1 / 6, -1 / 6],
         [1 / 24, 1 / 12, 1 / 6], [1 / 24, -1 / 12, 1 / 6], [0, 0, 1]],
        [[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 0],
         [0, 1, -1, 8, -8, 1]]),
}


def direct(x, w, dtype):
    """out[f, i, j] = sum over c and the 9 taps, accumulated tap by tap."""
    x, w = x.astype(dtype), w.astype(dtype)
    _, h, wd = x.shape
    out = np.zeros((w.shape[0], h - 2, wd - 2), dtype)
    for i in range(3):
        for j in range(3):
            out += np.einsum("fc,chw->fhw", w[:, :, i, j],
                             x[:, i:i + h - 2, j:j + wd - 2]).astype(dtype)
    return out


def winograd(x, w, variant):
    bt, g, at = (np.array(m, np.float64) for m in VARIANTS[variant])
    m, t = at.shape
    _, h, wd = x.shape
    th, tw = (h - 2) // m, (wd - 2) // m
    f32 = np.float32
    u = np.einsum("rs,fcst,qt->rqfc", g, w.astype(np.float64), g).astype(f32)
    bt, at = bt.astype(f32), at.astype(f32)
    # d[c, k, l, i, j]: the 6x6 (4x4) input tile (i, j).
    d = np.stack([np.stack([x[:, m * i:m * i + t, m * j:m * j + t]
                            for j in range(tw)], -1) for i in range(th)], -2)
    v = np.einsum("ak,ckl...->cal...", bt, d).astype(f32)
    v = np.einsum("bl,cal...->cab...", bt, v).astype(f32)
    prod = np.einsum("abfc,cab...->abf...", u, v).astype(f32)
    y = np.einsum("ya,abf...->ybf...", at, prod).astype(f32)
    y = np.einsum("xb,ybf...->fyx...", at, y).astype(f32)
    return y.transpose(0, 3, 1, 4, 2).reshape(w.shape[0], th * m, tw * m)


def main():
    rng = np.random.default_rng(0)
    # name: (C, F, H = W of the input, distribution)
    cases = {
        "64->64, N(0,1) input and weight": (64, 64, 26, "normal"),
        "256->64, N(0,1) input and weight": (256, 64, 14, "normal"),
        "64->64, ReLU'd input, He-scaled weight": (64, 64, 26, "relu"),
    }
    for name, (c, f, h, dist) in cases.items():
        if dist == "normal":
            x = rng.standard_normal((c, h, h)).astype(np.float32)
            w = rng.standard_normal((f, c, 3, 3)).astype(np.float32)
        else:
            x = np.maximum(rng.standard_normal((c, h, h)), 0).astype(np.float32)
            w = (rng.uniform(-1, 1, (f, c, 3, 3)) / np.sqrt(9 * c)).astype(np.float32)
        ref = direct(x, w, np.float64)
        scale = np.abs(ref).max()
        methods = [("direct f32", direct(x, w, np.float32))]
        methods += [(v, winograd(x, w, v)) for v in VARIANTS]
        for label, y in methods:
            err = np.abs(y - ref)
            rms = np.sqrt((err ** 2).mean() / (ref ** 2).mean())
            print(f"{name:40s} {label:11s} max|err| {err.max():.2e}  "
                  f"/max|y| {err.max() / scale:.2e}  rms rel {rms:.2e}")


if __name__ == "__main__":
    main()
