#!/usr/bin/env python3
"""PyTorch on the GPU as the peer of bench/run.py --device=cuda: the same
architectures as bench/models.py builds in ONNX (torchvision's ResNet-50 and
MobileNetV2, transformers' BERT-base without pooler), random weights, the
same batch and sequence length, timed with CUDA events.

    torch_peer.py MODEL BATCH DTYPE MODE [--runs N]

MODEL: resnet50, mobilenetv2 or bert_base; DTYPE: float32 (TF32 off, as
AutoGLM's f32 products), float16 or bfloat16; MODE: eager, compile
(torch.compile's default) or reduce-overhead (torch.compile with CUDA
graphs, the fastest peer). Prints one JSON object: median/min/max ms over
the timed runs, the compile (first two calls) seconds and the peak device
memory PyTorch allocated, in MB.
"""
import argparse
import json
import time

MODELS = ("resnet50", "mobilenetv2", "bert_base")
SEQUENCE = 128


def build(name, batch, dtype, device):
    import torch
    torch.manual_seed(0)
    if name in ("resnet50", "mobilenetv2"):
        import torchvision
        net = getattr(torchvision.models, "resnet50" if name == "resnet50" else "mobilenet_v2")(weights=None)
        inputs = (torch.randn(batch, 3, 224, 224, device=device, dtype=dtype),)
    else:
        from transformers import BertConfig, BertModel
        net = BertModel(BertConfig(), add_pooling_layer=False)
        ids = torch.randint(0, 30000, (batch, SEQUENCE), device=device)
        inputs = (ids, torch.ones_like(ids), torch.zeros_like(ids))
    return net.eval().to(device=device, dtype=dtype), inputs


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model", choices=MODELS)
    parser.add_argument("batch", type=int)
    parser.add_argument("dtype", choices=("float32", "float16", "bfloat16"))
    parser.add_argument("mode", choices=("eager", "compile", "reduce-overhead"))
    parser.add_argument("--runs", type=int, default=100)
    args = parser.parse_args()

    import torch
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    device = torch.device("cuda")
    net, inputs = build(args.model, args.batch, getattr(torch, args.dtype), device)
    fn = net
    if args.mode != "eager":
        fn = torch.compile(net, mode=None if args.mode == "compile" else args.mode)
    with torch.inference_mode():
        start = time.time()
        fn(*inputs)
        fn(*inputs)
        torch.cuda.synchronize()
        compile_s = time.time() - start
        for _ in range(10):
            fn(*inputs)
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        times = []
        for _ in range(args.runs):
            begin, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            begin.record()
            fn(*inputs)
            end.record()
            torch.cuda.synchronize()
            times.append(begin.elapsed_time(end))
    times.sort()
    print(json.dumps({"median_ms": times[len(times) // 2], "min_ms": times[0], "max_ms": times[-1],
                      "runs": len(times), "compile_s": compile_s,
                      "peak_device_mb": torch.cuda.max_memory_allocated() / 2**20,
                      "torch": torch.__version__}))


if __name__ == "__main__":
    main()
