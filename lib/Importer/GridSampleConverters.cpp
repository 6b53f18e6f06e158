//===- GridSampleConverters.cpp - GridSample, DeformConv ------------------===//
//
// GridSample is autoglm.grid_sample. DeformConv (opset 19) samples the input
// at each kernel tap moved by its learned offset, bilinearly with zeros
// outside, as ONNX's reference defines it through GridSample: the taps'
// pixel coordinates become one grid_sample per offset group (coordinates
// normalized with align_corners, so the sampling reads them back exactly),
// the samples are scaled by the mask, and the convolution is then one
// batched matmul of the weights with those columns per group.
//
//===----------------------------------------------------------------------===//

#include "NodeContext.h"
#include "OpRegistry.h"
#include "VisionConverters.h"

#include "autoglm/Dialect/SeparateOps.h"

#include "llvm/ADT/StringSwitch.h"

using namespace mlir;
using namespace mlir::autoglm;

namespace autoglm::importer {
namespace {
LogicalResult convertGridSample(NodeContext &n) {
  if (failed(n.checkArity(2, 2)))
    return failure();
  // Opset 16 spells the modes bilinear and bicubic; 20 linear and cubic.
  std::string modeName =
      n.stringAttr("mode", n.opset() < 20 ? "bilinear" : "linear");
  std::optional<ResizeMode> mode =
      llvm::StringSwitch<std::optional<ResizeMode>>(modeName)
          .Cases({"bilinear", "linear"}, ResizeMode::linear)
          .Cases({"bicubic", "cubic"}, ResizeMode::cubic)
          .Case("nearest", ResizeMode::nearest)
          .Default(std::nullopt);
  if (!mode)
    return n.emitError() << "unknown mode '" << modeName << "'";
  std::string paddingName = n.stringAttr("padding_mode", "zeros");
  std::optional<PadMode> padding =
      llvm::StringSwitch<std::optional<PadMode>>(paddingName)
          .Case("zeros", PadMode::constant)
          .Case("border", PadMode::edge)
          .Case("reflection", PadMode::reflect)
          .Default(std::nullopt);
  if (!padding)
    return n.emitError() << "unknown padding_mode '" << paddingName << "'";
  if (!isa<FloatType>(n.inputType(0).getElementType()))
    return n.emitError() << "the input must be a floating-point tensor";
  return n.finish(n.create<GridSampleOp>(
      n.input(0), n.input(1), ResizeModeAttr::get(n.ctx, *mode),
      PadModeAttr::get(n.ctx, *padding),
      n.intAttr("align_corners", 0) ? n.b.getUnitAttr() : UnitAttr()));
}

/// An f32-or-input-typed constant of `shape` holding `values`.
Value constantOf(NodeContext &n, Type element, ArrayRef<int64_t> shape,
                 ArrayRef<double> values) {
  auto type = RankedTensorType::get(shape, element);
  SmallVector<APFloat> converted;
  for (double v : values) {
    APFloat f(v);
    bool lost;
    f.convert(cast<FloatType>(element).getFloatSemantics(),
              APFloat::rmNearestTiesToEven, &lost);
    converted.push_back(f);
  }
  return n.constant(DenseElementsAttr::get(type, converted));
}

LogicalResult convertDeformConv(NodeContext &n) {
  if (failed(n.checkArity(3, 5)))
    return failure();
  auto xType = n.inputType(0), wType = n.inputType(1), offType = n.inputType(2);
  if (xType.getRank() != 4)
    return n.emitError() << "only 2-D deformable convolutions (a 4-D input) "
                            "are supported";
  if (!xType.hasStaticShape() || !wType.hasStaticShape() ||
      !offType.hasStaticShape())
    return n.notKnown("the shapes of X, W and offset");
  Type element = xType.getElementType();
  if (!isa<FloatType>(element))
    return n.emitError() << "the input must be a floating-point tensor";
  int64_t batch = xType.getDimSize(0), channels = xType.getDimSize(1);
  int64_t height = xType.getDimSize(2), width = xType.getDimSize(3);
  int64_t outChannels = wType.getDimSize(0);
  int64_t group = n.intAttr("group", 1);
  int64_t offsetGroup = n.intAttr("offset_group", 1);
  auto ints = [&](StringRef name, SmallVector<int64_t> fallback) {
    std::optional<SmallVector<int64_t>> given = n.intsAttr(name);
    return given ? *given : fallback;
  };
  SmallVector<int64_t> kernel =
      ints("kernel_shape", {wType.getDimSize(2), wType.getDimSize(3)});
  SmallVector<int64_t> strides = ints("strides", {1, 1});
  SmallVector<int64_t> dilations = ints("dilations", {1, 1});
  SmallVector<int64_t> pads = ints("pads", {0, 0, 0, 0});
  if (wType.getRank() != 4 || kernel.size() != 2 || strides.size() != 2 ||
      dilations.size() != 2 || pads.size() != 4)
    return n.emitError() << "W must be 4-D, kernel_shape, strides and "
                            "dilations need 2 entries and pads 4";
  if (group < 1 || offsetGroup < 1 || channels % group != 0 ||
      outChannels % group != 0 || channels % offsetGroup != 0 ||
      wType.getDimSize(1) * group != channels)
    return n.emitError() << "X has " << channels << " channels and W "
                         << wType.getDimSize(1) << " per group; group " << group
                         << " and offset_group " << offsetGroup
                         << " must divide them";
  if (kernel[0] != wType.getDimSize(2) || kernel[1] != wType.getDimSize(3))
    return n.emitError() << "kernel_shape differs from W's spatial shape";
  int64_t taps = kernel[0] * kernel[1];
  int64_t outH = offType.getDimSize(2), outW = offType.getDimSize(3);
  for (int d = 0; d < 2; ++d) {
    int64_t in = d == 0 ? height : width, out = d == 0 ? outH : outW;
    int64_t span = (kernel[d] - 1) * dilations[d] + 1;
    if (strides[d] < 1 || dilations[d] < 1 ||
        (in + pads[d] + pads[d + 2] - span) / strides[d] + 1 != out)
      return n.emitError() << "offset's spatial shape " << outH << "x" << outW
                           << " is not the convolution's output shape";
  }
  if (offType.getRank() != 4 || offType.getDimSize(0) != batch ||
      offType.getDimSize(1) != offsetGroup * taps * 2)
    return n.emitError() << "offset must be N x (offset_group * " << taps
                         << " * 2) x OH x OW";

  // Each tap's pixel position before its offset, per output position:
  // [taps, OH, OW] for rows and for columns.
  SmallVector<double> rows, cols;
  for (int64_t a = 0; a < kernel[0]; ++a)
    for (int64_t c = 0; c < kernel[1]; ++c)
      for (int64_t i = 0; i < outH; ++i)
        for (int64_t j = 0; j < outW; ++j) {
          rows.push_back(-pads[0] + i * strides[0] + a * dilations[0]);
          cols.push_back(-pads[1] + j * strides[1] + c * dilations[1]);
        }
  // offset as [N, og, taps, 2 (row, column), OH, OW]; per coordinate the
  // tap's pixel position, normalized as align_corners reads it back.
  SmallVector<int64_t> split{batch, offsetGroup, taps, 2, outH, outW};
  Value offset = n.reshape(n.input(2), split);
  SmallVector<int64_t> planeShape{batch, offsetGroup, taps, outH, outW, 1};
  auto coordinate = [&](int64_t which, ArrayRef<double> basePositions,
                        int64_t size) -> Value {
    SmallVector<int64_t> starts(6, 0), ends(split), steps(6, 1);
    starts[3] = which;
    ends[3] = which + 1;
    Value plane =
        offset ? n.create<SliceOp>(offset, n.b.getDenseI64ArrayAttr(starts),
                                   n.b.getDenseI64ArrayAttr(ends),
                                   n.b.getDenseI64ArrayAttr(steps))
               : Value();
    plane = plane ? n.reshape(plane, planeShape) : Value();
    Value base = constantOf(n, element, {taps, outH, outW, 1}, basePositions);
    Value at = plane && base ? n.create<AddOp>(plane, base) : Value();
    double toUnit = size > 1 ? 2.0 / static_cast<double>(size - 1) : 0.0;
    Value scaled =
        at ? n.create<MulOp>(at, n.scalar(element, toUnit)) : Value();
    return scaled ? n.create<SubOp>(scaled, n.scalar(element, 1.0)) : Value();
  };
  Value gx = coordinate(1, cols, width), gy = coordinate(0, rows, height);
  Value grid = gx && gy ? n.create<ConcatOp>(ValueRange{gx, gy},
                                             n.b.getI64IntegerAttr(5))
                        : Value();
  // One grid_sample per (image, offset group): its taps x OH rows of OW.
  int64_t perGroup = channels / offsetGroup;
  grid = grid ? n.reshape(grid, {batch * offsetGroup, taps * outH, outW, 2})
              : Value();
  Value images =
      n.reshape(n.input(0), {batch * offsetGroup, perGroup, height, width});
  Value sampled =
      grid && images
          ? n.create<GridSampleOp>(
                images, grid, ResizeModeAttr::get(n.ctx, ResizeMode::linear),
                PadModeAttr::get(n.ctx, PadMode::constant), n.b.getUnitAttr())
          : Value();
  sampled =
      sampled
          ? n.reshape(sampled, {batch, offsetGroup, perGroup, taps, outH, outW})
          : Value();
  if (sampled && n.hasInput(4)) {
    auto maskType = n.inputType(4);
    if (!maskType.hasStaticShape() ||
        maskType.getNumElements() != batch * offsetGroup * taps * outH * outW)
      return n.emitError() << "mask must be N x (offset_group * " << taps
                           << ") x OH x OW";
    Value mask =
        n.reshape(n.input(4), {batch, offsetGroup, 1, taps, outH, outW});
    sampled = mask ? n.create<MulOp>(sampled, mask) : Value();
  }
  // Columns [N, group, C / group * taps, OH * OW] times the weights
  // [group, M / group, C / group * taps].
  int64_t depth = channels / group * taps;
  Value columns = sampled
                      ? n.reshape(sampled, {batch, group, depth, outH * outW})
                      : Value();
  Value weights = n.reshape(n.input(1), {group, outChannels / group, depth});
  Value product =
      columns && weights ? n.create<MatMulOp>(weights, columns) : Value();
  Value result =
      product ? n.reshape(product, {batch, outChannels, outH, outW}) : Value();
  if (result && n.hasInput(3)) {
    if (n.inputType(3).getNumElements() != outChannels)
      return n.emitError() << "B must have one entry per output channel";
    Value bias = n.reshape(n.input(3), {1, outChannels, 1, 1});
    result = bias ? n.create<AddOp>(result, bias) : Value();
  }
  return n.finish(result);
}
} // namespace

void registerGridSampleConverters(OpRegistry &r) {
  r.add("GridSample", convertGridSample);
  r.add("DeformConv", convertDeformConv);
}
} // namespace autoglm::importer
