//===- ReshapeConverters.cpp - Reshape, Squeeze, Transpose, DepthToSpace --===//
//
// Operators that re-arrange the elements of their input without choosing
// among them: Reshape, Flatten, Squeeze and Unsqueeze (a new shape over the
// same elements), Transpose, and DepthToSpace / SpaceToDepth (built from
// reshapes and a transpose). Where the ONNX operator takes a structural
// parameter as a tensor input (Reshape's shape, Squeeze's axes), it has to be
// known at import time unless the dialect op takes it at run time. Integer
// values known at import time flow through these ops.
//
//===----------------------------------------------------------------------===//

#include "NodeContext.h"
#include "OpRegistry.h"

#include "onnx/onnx_pb.h"

using namespace mlir;
using namespace mlir::autoglm;

namespace autoglm::importer {
namespace {
/// Binds output 0 to `result` and, when input 0 is known, records its
/// values under `shape` (for ops that only re-shape their input).
LogicalResult finishReshaped(NodeContext &n, Value result) {
  if (!result)
    return failure();
  const KnownInts *k = n.known(0);
  auto type = dyn_cast<RankedTensorType>(result.getType());
  if (k && type && type.hasStaticShape() &&
      type.getNumElements() == k->numElements()) {
    KnownInts reshaped = *k;
    reshaped.shape.assign(type.getShape().begin(), type.getShape().end());
    if (reshaped.isFullyKnown()) {
      Value constant = n.constantFromKnown(reshaped, type.getElementType());
      if (!constant)
        return failure();
      result = constant;
    }
    n.setOutput(0, result, reshaped);
    return success();
  }
  n.setOutput(0, result);
  return success();
}

/// The axes of Squeeze / Unsqueeze / ReduceX-style operators: an input from
/// opset `inputSince` on, an attribute before.
FailureOr<std::optional<SmallVector<int64_t>>>
readAxes(NodeContext &n, unsigned input, int64_t inputSince) {
  if (n.opset() >= inputSince) {
    if (!n.hasInput(input))
      return std::optional<SmallVector<int64_t>>();
    std::optional<SmallVector<int64_t>> values = n.knownValues(input);
    if (!values) {
      (void)n.notKnown("axes");
      return failure();
    }
    return values;
  }
  return n.intsAttr("axes");
}

//===----------------------------------------------------------------------===//
// Reshape, Flatten, Squeeze, Unsqueeze
//===----------------------------------------------------------------------===//

LogicalResult convertReshape(NodeContext &n) {
  if (failed(n.checkArity(2, 2)))
    return failure();
  Value data = n.input(0);
  auto inType = n.inputType(0);
  auto shapeType = n.inputType(1);
  if (shapeType.getRank() != 1 || shapeType.isDynamicDim(0))
    return n.emitError()
           << "the shape input must be a 1-D tensor of static length";
  bool allowZero = n.intAttr("allowzero", 0) != 0;
  int64_t rank = shapeType.getDimSize(0);
  const KnownInts *k = n.known(1);
  SmallVector<int64_t> dims(rank, ShapedType::kDynamic);
  int64_t inferIndex = -1, product = 1;
  bool productKnown = true;
  for (int64_t i = 0; i < rank; ++i) {
    int64_t v = k ? k->values[i] : KnownInts::kUnknown;
    if (v == KnownInts::kUnknown) {
      productKnown = false;
      continue;
    }
    if (v == 0 && !allowZero) {
      if (i >= inType.getRank())
        return n.emitError()
               << "shape entry " << i << " is 0 (copy) but the input has rank "
               << inType.getRank();
      dims[i] = inType.getDimSize(i);
    } else if (v == -1) {
      if (inferIndex >= 0)
        return n.emitError() << "the shape has more than one -1";
      inferIndex = i;
      continue;
    } else if (v < -1) {
      return n.emitError() << "invalid shape entry " << v;
    } else {
      dims[i] = v;
    }
    if (ShapedType::isDynamic(dims[i]))
      productKnown = false;
    else
      product *= dims[i];
  }
  if (inferIndex >= 0 && productKnown && inType.hasStaticShape()) {
    if (product == 0 || inType.getNumElements() % product != 0)
      return n.emitError() << "cannot reshape " << inType.getNumElements()
                           << " elements into the requested shape";
    dims[inferIndex] = inType.getNumElements() / product;
  }
  auto resultType = RankedTensorType::get(dims, inType.getElementType());
  if (resultType.hasStaticShape())
    return finishReshaped(n, n.reshape(data, dims));
  if (allowZero && (!k || llvm::any_of(k->values, [](int64_t v) {
        return v == 0 || v == KnownInts::kUnknown;
      }))) {
    // Asked for, so that the diagnostic names the shape's graph input.
    (void)n.knownValues(1);
    return n.notKnown("the shape (allowzero = 1 with a run-time shape)");
  }
  Value shape = k && k->isFullyKnown() ? n.constantI64(k->values) : n.input(1);
  if (!shape)
    return failure();
  return finishReshaped(n, n.createTyped<ReshapeOp>(resultType, data, shape));
}

LogicalResult convertFlatten(NodeContext &n) {
  if (failed(n.checkArity(1, 1)))
    return failure();
  auto type = n.inputType(0);
  int64_t rank = type.getRank();
  int64_t axis = n.intAttr("axis", 1);
  if (axis < -rank || axis > rank)
    return n.emitError() << "axis " << axis << " is out of range for rank "
                         << rank;
  if (axis < 0)
    axis += rank;
  return finishReshaped(n, n.flattenTo2D(n.input(0), axis));
}

LogicalResult convertSqueeze(NodeContext &n) {
  bool axesInput = n.opset() >= 13;
  if (failed(n.checkArity(1, axesInput ? 2 : 1)))
    return failure();
  auto type = n.inputType(0);
  auto axes = readAxes(n, 1, 13);
  if (failed(axes))
    return failure();
  SmallVector<int64_t> squeezed;
  if (*axes) {
    FailureOr<SmallVector<int64_t>> normalized =
        n.normalizeAxes(**axes, type.getRank());
    if (failed(normalized))
      return failure();
    squeezed = *normalized;
    for (int64_t d : squeezed)
      if (!type.isDynamicDim(d) && type.getDimSize(d) != 1)
        return n.emitError() << "cannot squeeze dimension " << d << " of size "
                             << type.getDimSize(d);
  } else {
    for (int64_t d = 0; d < type.getRank(); ++d) {
      if (type.isDynamicDim(d))
        return n.notKnown("whether dimension " + std::to_string(d) +
                          " has size 1");
      if (type.getDimSize(d) == 1)
        squeezed.push_back(d);
    }
  }
  SmallVector<DimSpec> spec;
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (!llvm::is_contained(squeezed, d))
      spec.push_back(DimSpec::fromInput(d));
  return finishReshaped(n, n.reshapeTo(n.input(0), spec));
}

LogicalResult convertUnsqueeze(NodeContext &n) {
  bool axesInput = n.opset() >= 13;
  if (failed(n.checkArity(axesInput ? 2 : 1, axesInput ? 2 : 1)))
    return failure();
  auto type = n.inputType(0);
  auto axes = readAxes(n, 1, 13);
  if (failed(axes))
    return failure();
  if (!*axes)
    return n.emitError() << "axes are required";
  int64_t outRank = type.getRank() + (*axes)->size();
  FailureOr<SmallVector<int64_t>> inserted = n.normalizeAxes(**axes, outRank);
  if (failed(inserted))
    return failure();
  SmallVector<DimSpec> spec;
  int64_t next = 0;
  for (int64_t d = 0; d < outRank; ++d)
    spec.push_back(llvm::is_contained(*inserted, d)
                       ? DimSpec::literal(1)
                       : DimSpec::fromInput(next++));
  return finishReshaped(n, n.reshapeTo(n.input(0), spec));
}

//===----------------------------------------------------------------------===//
// Transpose
//===----------------------------------------------------------------------===//

LogicalResult convertTranspose(NodeContext &n) {
  if (failed(n.checkArity(1, 1)))
    return failure();
  int64_t rank = n.inputType(0).getRank();
  SmallVector<int64_t> perm;
  if (std::optional<SmallVector<int64_t>> attr = n.intsAttr("perm")) {
    perm = *attr;
  } else {
    for (int64_t d = rank - 1; d >= 0; --d)
      perm.push_back(d);
  }
  if (static_cast<int64_t>(perm.size()) != rank)
    return n.emitError() << "perm has " << perm.size() << " entries for rank "
                         << rank;
  if (rank == 0) {
    n.setOutput(0, n.input(0));
    return success();
  }
  // transpose() folds the identity permutation away; keep the op explicit
  // only when it moves something.
  Value result = n.transpose(n.input(0), perm);
  const KnownInts *k = n.known(0);
  if (!result || !k || k->rank() != rank)
    return n.finish(result);
  // Transposes of known tensors (shape arithmetic) are evaluated here.
  SmallVector<SmallVector<int64_t>> positions;
  for (int64_t d : perm)
    positions.push_back(llvm::to_vector(llvm::seq<int64_t>(0, k->shape[d])));
  KnownInts moved = selectKnown(*k, perm, positions);
  if (moved.isFullyKnown()) {
    result = n.constantFromKnown(
        moved, getElementTypeOrSelf(n.inputType(0).getElementType()));
    if (!result)
      return failure();
  }
  n.setOutput(0, result, moved);
  return success();
}

//===----------------------------------------------------------------------===//
// DepthToSpace, SpaceToDepth
//===----------------------------------------------------------------------===//

LogicalResult convertDepthToSpace(NodeContext &n, bool toSpace) {
  if (failed(n.checkArity(1, 1)))
    return failure();
  auto type = n.inputType(0);
  int64_t b = n.intAttr("blocksize", 0);
  if (type.getRank() != 4 || b <= 0)
    return n.emitError() << "expects a 4-D input and a positive blocksize";
  int64_t c = type.getDimSize(1), h = type.getDimSize(2),
          w = type.getDimSize(3);
  if (ShapedType::isDynamic(c) || ShapedType::isDynamic(h) ||
      ShapedType::isDynamic(w))
    return n.notKnown("the channel and spatial sizes");
  // SpaceToDepth has a mode too since opset 28.
  std::string mode = n.stringAttr("mode", "DCR");
  if (mode != "DCR" && mode != "CRD")
    return n.emitError() << "unknown mode '" << mode << "'";
  bool crd = mode == "CRD";
  DimSpec batch = DimSpec::fromInput(0);
  auto lit = DimSpec::literal;
  Value x = n.input(0), result;
  if (toSpace) {
    if (c % (b * b) != 0)
      return n.emitError() << c << " channels are not divisible by blocksize^2";
    Value blocks = crd ? n.reshapeTo(x, {batch, lit(c / (b * b)), lit(b),
                                         lit(b), lit(h), lit(w)})
                       : n.reshapeTo(x, {batch, lit(b), lit(b),
                                         lit(c / (b * b)), lit(h), lit(w)});
    Value moved =
        blocks ? n.transpose(blocks, crd ? ArrayRef<int64_t>{0, 1, 4, 2, 5, 3}
                                         : ArrayRef<int64_t>{0, 3, 4, 1, 5, 2})
               : Value();
    result = moved
                 ? n.reshapeTo(moved, {DimSpec::fromInput(0), lit(c / (b * b)),
                                       lit(h * b), lit(w * b)})
                 : Value();
  } else {
    if (h % b != 0 || w % b != 0)
      return n.emitError() << "spatial sizes are not divisible by blocksize";
    Value blocks =
        n.reshapeTo(x, {batch, lit(c), lit(h / b), lit(b), lit(w / b), lit(b)});
    // [B, C, H/b, b, W/b, b] -> DCR: [B, b, b, C, H/b, W/b], CRD: [B, C, b, b,
    // H/b, W/b]
    Value moved =
        blocks ? n.transpose(blocks, crd ? ArrayRef<int64_t>{0, 1, 3, 5, 2, 4}
                                         : ArrayRef<int64_t>{0, 3, 5, 1, 2, 4})
               : Value();
    result = moved ? n.reshapeTo(moved, {DimSpec::fromInput(0), lit(c * b * b),
                                         lit(h / b), lit(w / b)})
                   : Value();
  }
  return n.finish(result);
}
} // namespace

void registerReshapeConverters(OpRegistry &r) {
  r.add("Reshape", convertReshape);
  r.add("Flatten", convertFlatten);
  r.add("Squeeze", convertSqueeze);
  r.add("Unsqueeze", convertUnsqueeze);
  r.add("Transpose", convertTranspose);
  r.add("DepthToSpace",
        [](NodeContext &n) { return convertDepthToSpace(n, true); });
  r.add("SpaceToDepth",
        [](NodeContext &n) { return convertDepthToSpace(n, false); });
}
} // namespace autoglm::importer
