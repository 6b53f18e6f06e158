//===- MaxUnpoolConverter.cpp - ONNX MaxUnpool ----------------------------===//
//
// MaxUnpool writes each input value at the flat position its index names in
// the unpooled shape ((in - 1) * stride - pads + kernel per spatial
// dimension), zeros elsewhere, then pads that to output_shape when given,
// as ONNX's reference does. Written as a one-hot over the flat positions:
// an index is compared with every position, and a position takes the
// largest value whose index names it. Overlapping pooling windows can name
// one position twice with the same value (the window maximum), which a sum
// would double; the maximum keeps it. The intermediate has inputs x
// positions entries, refused past kMaxOneHotElements.
//
//===----------------------------------------------------------------------===//

#include "NodeContext.h"
#include "OpRegistry.h"
#include "VisionConverters.h"

#include <limits>

using namespace mlir;
using namespace mlir::autoglm;

namespace autoglm::importer {
namespace {
constexpr int64_t kMaxOneHotElements = int64_t(1) << 26;

LogicalResult convertMaxUnpool(NodeContext &n) {
  if (failed(n.checkArity(2, 3)))
    return failure();
  auto type = n.inputType(0);
  if (!type.hasStaticShape() || !n.inputType(1).hasStaticShape())
    return n.notKnown("the shapes of X and I");
  if (type.getShape() != n.inputType(1).getShape())
    return n.emitError() << "I must have the shape of X";
  if (!isa<FloatType>(type.getElementType()))
    return n.emitError() << "X must be a floating-point tensor";
  int64_t rank = type.getRank(), spatial = rank - 2;
  std::optional<SmallVector<int64_t>> kernel = n.intsAttr("kernel_shape");
  if (spatial < 1 || !kernel || static_cast<int64_t>(kernel->size()) != spatial)
    return n.emitError() << "kernel_shape needs one entry per spatial "
                            "dimension of X";
  SmallVector<int64_t> strides(spatial, 1), pads(2 * spatial, 0);
  if (std::optional<SmallVector<int64_t>> given = n.intsAttr("strides"))
    strides = *given;
  if (std::optional<SmallVector<int64_t>> given = n.intsAttr("pads"))
    pads = *given;
  if (static_cast<int64_t>(strides.size()) != spatial ||
      static_cast<int64_t>(pads.size()) != 2 * spatial)
    return n.emitError() << "strides need " << spatial << " entries and pads "
                         << 2 * spatial;
  SmallVector<int64_t> unpooled(type.getShape().take_front(2));
  for (int64_t d = 0; d < spatial; ++d) {
    int64_t size = (type.getDimSize(2 + d) - 1) * strides[d] -
                   (pads[d] + pads[spatial + d]) + (*kernel)[d];
    if (size < 1)
      return n.emitError() << "the unpooled dimension " << 2 + d
                           << " would be empty";
    unpooled.push_back(size);
  }
  int64_t inputs = type.getNumElements();
  int64_t positions =
      RankedTensorType::get(unpooled, type.getElementType()).getNumElements();
  if (inputs * positions > kMaxOneHotElements)
    return n.emitError() << "unpooling " << inputs << " values into "
                         << positions << " positions is more than the "
                         << kMaxOneHotElements << " one-hot entries supported";

  // mask[k, p] = I[k] == p; value[p] = max over k of X[k] where it matches.
  Type element = type.getElementType();
  Value index = n.reshape(n.input(1), {inputs, 1});
  index = index ? n.castTo(index, n.b.getI64Type()) : Value();
  SmallVector<int64_t> all = llvm::to_vector(llvm::seq<int64_t>(0, positions));
  Value range = n.constant(DenseElementsAttr::get(
      RankedTensorType::get({1, positions}, n.b.getI64Type()),
      ArrayRef<int64_t>(all)));
  Value mask =
      index ? n.create<CmpOp>(CmpPredicateAttr::get(n.ctx, CmpPredicate::eq),
                              index, range)
            : Value();
  Value values = n.reshape(n.input(0), {inputs, 1});
  Value picked =
      mask && values
          ? n.create<SelectOp>(
                mask, values,
                n.scalar(element, -std::numeric_limits<double>::infinity()))
          : Value();
  auto overInputs = [&](Value x) {
    return n.create<ReduceOp>(ReduceKindAttr::get(n.ctx, ReduceKind::max), x,
                              n.b.getDenseI64ArrayAttr({0}), UnitAttr());
  };
  Value largest = picked ? overInputs(picked) : Value();
  // Whether any index names a position (0/1 in i32: reductions of i1 are
  // not a dialect form).
  Value hits = largest ? overInputs(n.castTo(mask, n.b.getI32Type())) : Value();
  Value hit =
      hits ? n.create<CmpOp>(CmpPredicateAttr::get(n.ctx, CmpPredicate::ne),
                             hits, n.scalar(n.b.getI32Type(), 0.0))
           : Value();
  Value result =
      hit ? n.create<SelectOp>(hit, largest, n.scalar(element, 0.0)) : Value();
  result = result ? n.reshape(result, unpooled) : Value();
  if (!result || !n.hasInput(2))
    return n.finish(result);
  std::optional<SmallVector<int64_t>> shape = n.knownValues(2);
  if (!shape)
    return n.notKnown("output_shape");
  if (static_cast<int64_t>(shape->size()) != rank)
    return n.emitError() << "output_shape needs " << rank << " entries";
  SmallVector<int64_t> padding(rank, 0);
  bool padded = false;
  for (int64_t d = 0; d < rank; ++d) {
    int64_t extra = (*shape)[d] - unpooled[d];
    if (extra < 0 || (d < 2 && extra != 0))
      return n.emitError() << "output_shape dimension " << d << " ("
                           << (*shape)[d] << ") must be at least the unpooled "
                           << unpooled[d] << " (and equal for N and C)";
    padding.push_back(extra);
    padded |= extra != 0;
  }
  if (padded)
    result = n.create<PadOp>(result, n.b.getDenseI64ArrayAttr(padding),
                             PadModeAttr::get(n.ctx, PadMode::constant),
                             n.b.getF64FloatAttr(0.0));
  return n.finish(result);
}
} // namespace

void registerMaxUnpoolConverter(OpRegistry &r) {
  r.add("MaxUnpool", convertMaxUnpool);
}
} // namespace autoglm::importer
