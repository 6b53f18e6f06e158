//===- CausalConvWithStateConverter.cpp - ONNX CausalConvWithState --------===//
//
// CausalConvWithState (opset 27), the stateful causal depthwise 1-D
// convolution of Mamba and Gated DeltaNet blocks. The k - 1 carried
// positions (`past_state`, or zeros) are put in front of the input; a
// depthwise `conv` (groups = channels, no padding) over that sequence gives
// one output per input position, optionally followed by SiLU (16-bit inputs
// accumulate and take the SiLU in float32); the last k - 1 positions of the
// sequence are the `present_state` for the next call.
//
//===----------------------------------------------------------------------===//

#include "NodeContext.h"
#include "OpRegistry.h"

#include <limits>

using namespace mlir;
using namespace mlir::autoglm;

namespace autoglm::importer {
namespace {
/// Two static sizes that differ (a dynamic one matches anything).
bool conflict(int64_t a, int64_t b) {
  return !ShapedType::isDynamic(a) && !ShapedType::isDynamic(b) && a != b;
}

LogicalResult convertCausalConvWithState(NodeContext &n) {
  if (failed(n.checkArity(2, 4, /*maxOutputs=*/2)))
    return failure();
  std::string activation = n.stringAttr("activation", "none");
  bool silu = activation == "silu" || activation == "swish";
  if (!silu && activation != "none")
    return n.emitError() << "activation must be 'none', 'silu' or 'swish', "
                            "got '"
                         << activation << "'";
  RankedTensorType inputType = n.inputType(0), weightType = n.inputType(1);
  if (!isa<FloatType>(inputType.getElementType()))
    return n.emitError() << "the input must be floating-point";
  if (inputType.getRank() != 3)
    return n.emitError() << "the input must be 3-D [batch, channels, length], "
                            "got rank "
                         << inputType.getRank();
  int64_t channels = inputType.getDimSize(1);
  if (weightType.getRank() != 3 || weightType.getDimSize(1) != 1 ||
      conflict(weightType.getDimSize(0), channels))
    return n.emitError() << "the weight must be [channels, 1, k] (depthwise) "
                            "with the input's channels";
  int64_t k = weightType.getDimSize(2);
  if (ShapedType::isDynamic(k))
    return n.notKnown("the kernel size (the weight's last dimension)");
  if (k < 1)
    return n.emitError() << "the kernel size must be at least 1";
  if (ShapedType::isDynamic(channels)) {
    channels = weightType.getDimSize(0);
    if (ShapedType::isDynamic(channels))
      return n.notKnown("the number of channels (the convolution's groups)");
  }
  Value bias;
  if (n.hasInput(2)) {
    RankedTensorType biasType = n.inputType(2);
    if (biasType.getRank() != 1 || conflict(biasType.getDimSize(0), channels))
      return n.emitError() << "the bias must be [channels] = [" << channels
                           << "]";
    bias = n.input(2);
  }

  // The sequence the convolution reads: the carried positions, then the
  // input.
  Value padded;
  if (n.hasInput(3)) {
    RankedTensorType stateType = n.inputType(3);
    if (stateType.getRank() != 3 ||
        conflict(stateType.getDimSize(0), inputType.getDimSize(0)) ||
        conflict(stateType.getDimSize(1), channels) ||
        conflict(stateType.getDimSize(2), k - 1))
      return n.emitError() << "past_state must be [batch, channels, k - 1] = "
                              "[batch, "
                           << channels << ", " << k - 1 << "]";
    padded = n.create<ConcatOp>(ValueRange{n.input(3), n.input(0)},
                                n.b.getI64IntegerAttr(2));
  } else {
    padded = n.create<PadOp>(
        n.input(0), n.b.getDenseI64ArrayAttr({0, 0, k - 1, 0, 0, 0}),
        PadModeAttr::get(n.ctx, PadMode::constant), n.b.getF64FloatAttr(0.0));
  }
  if (!padded)
    return failure();

  // 16-bit inputs accumulate in float32 and round once, and the SiLU runs
  // in float32, as ONNX's reference does.
  Type element = inputType.getElementType();
  bool narrow = element.getIntOrFloatBitWidth() < 32;
  Type f32 = n.b.getF32Type();
  if (bias && narrow)
    bias = n.castTo(bias, f32);
  Value output = n.create<ConvOp>(
      padded, n.input(1), bias, n.b.getDenseI64ArrayAttr({1}),
      n.b.getDenseI64ArrayAttr({0, 0}), n.b.getDenseI64ArrayAttr({1}),
      n.b.getI64IntegerAttr(channels),
      narrow ? TypeAttr::get(f32) : TypeAttr());
  if (output && narrow)
    output = n.castTo(output, element);
  if (output && silu) {
    Value wide = narrow ? n.castTo(output, f32) : output;
    Value gate = wide ? n.create<SigmoidOp>(wide) : Value();
    Value gated = gate ? n.create<MulOp>(wide, gate) : Value();
    output = gated && narrow ? n.castTo(gated, element) : gated;
  }
  if (!output)
    return failure();
  n.setOutput(0, output);

  if (n.hasOutput(1)) {
    // The last k - 1 positions: counted from the end where the length is
    // only known at run time.
    auto paddedType = cast<RankedTensorType>(padded.getType());
    constexpr int64_t toEnd = std::numeric_limits<int64_t>::max();
    auto extent = [&](int64_t d) {
      int64_t size = paddedType.getDimSize(d);
      return ShapedType::isDynamic(size) ? toEnd : size;
    };
    int64_t length = paddedType.getDimSize(2);
    int64_t start = ShapedType::isDynamic(length) ? -(k - 1) : length - (k - 1);
    if (ShapedType::isDynamic(length) && k == 1)
      start = toEnd; // an empty state
    Value state = n.create<SliceOp>(
        padded, n.b.getDenseI64ArrayAttr({0, 0, start}),
        n.b.getDenseI64ArrayAttr({extent(0), extent(1), extent(2)}),
        n.b.getDenseI64ArrayAttr({1, 1, 1}));
    if (!state)
      return failure();
    n.setOutput(1, state);
  }
  return success();
}
} // namespace

void registerCausalConvWithStateConverter(OpRegistry &registry) {
  registry.add("CausalConvWithState", convertCausalConvWithState);
}
} // namespace autoglm::importer
