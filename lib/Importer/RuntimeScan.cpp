//===- RuntimeScan.cpp - a Scan run at run time as an scf.for -------------===//
//
// A Scan whose sequence length is known only at run time, or too long to
// unroll, runs as an `scf.for` over the sequence whose region is the body
// imported once. The states are the loop's carried values. Each iteration
// takes its entry out of every scan input (`tensor.extract_slice` at the
// iteration's index, counted from the end for a backward input) and writes
// each scan output's value into its slot of a tensor of the sequence's
// length (`tensor.insert_slice`, counted from the end for a backward
// output), carried by the loop too, so that bufferization writes the slots
// in place.
//
//===----------------------------------------------------------------------===//

#include "RuntimeScan.h"

#include "NodeContext.h"
#include "Subgraph.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "onnx/onnx_pb.h"

using namespace mlir;

namespace autoglm::importer {
namespace {
/// Offsets, sizes and strides of the entry at `index` along `axis` of a
/// tensor of static `shape` apart from that axis.
struct Entry {
  SmallVector<OpFoldResult> offsets, sizes, strides;
};

Entry entryAt(OpBuilder &b, ArrayRef<int64_t> shape, int64_t axis,
              Value index) {
  Entry entry;
  for (auto [d, size] : llvm::enumerate(shape)) {
    bool isAxis = static_cast<int64_t>(d) == axis;
    entry.offsets.push_back(isAxis ? OpFoldResult(index) : b.getIndexAttr(0));
    entry.sizes.push_back(b.getIndexAttr(isAxis ? 1 : size));
    entry.strides.push_back(b.getIndexAttr(1));
  }
  return entry;
}
} // namespace

FailureOr<SmallVector<Value>>
buildRuntimeScan(NodeContext &n, const onnx::GraphProto &body,
                 ArrayRef<Value> initialStates, ArrayRef<Value> scanInputs,
                 ArrayRef<int64_t> inputAxes, const ScanSpec &spec,
                 int64_t length) {
  n.ctx->getOrLoadDialect<scf::SCFDialect>();
  n.ctx->getOrLoadDialect<tensor::TensorDialect>();
  n.ctx->getOrLoadDialect<arith::ArithDialect>();
  size_t numStates = initialStates.size();
  size_t numScanOutputs = body.output_size() - numStates;
  const char *hint = " (specialize the inputs with --input-shape)";
  for (auto [k, state] : llvm::enumerate(initialStates))
    if (!cast<RankedTensorType>(state.getType()).hasStaticShape())
      return n.emitError() << "state '" << body.input(k).name() << "' is "
                           << state.getType()
                           << "; a Scan run at run time needs states of "
                              "static shapes"
                           << hint;
  // Each iteration's entry of a scan input: its shape without the axis.
  SmallVector<RankedTensorType> entryTypes;
  for (auto [j, input] : llvm::enumerate(scanInputs)) {
    auto type = cast<RankedTensorType>(input.getType());
    SmallVector<int64_t> shape(type.getShape());
    shape.erase(shape.begin() + inputAxes[j]);
    if (ShapedType::isDynamicShape(shape))
      return n.emitError() << "scan input " << j << " is " << type
                           << "; a Scan run at run time needs static sizes "
                              "apart from the sequence axis"
                           << hint;
    entryTypes.push_back(RankedTensorType::get(shape, type.getElementType()));
  }

  OpBuilder &b = n.b;
  Location loc = n.loc;
  OpBuilder::InsertionGuard guard(b);
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Value count =
      ShapedType::isDynamic(length)
          ? tensor::DimOp::create(b, loc, scanInputs.front(), inputAxes.front())
                .getResult()
          : arith::ConstantIndexOp::create(b, loc, length).getResult();

  // The body, imported into a draft block whose arguments are the loop's
  // (the iteration, the states): the scan outputs' types, and so the rest
  // of the loop's carried values, are known once it is.
  SmallVector<Type> argumentTypes{b.getIndexType()};
  for (Value state : initialStates)
    argumentTypes.push_back(state.getType());
  auto draft = scf::ExecuteRegionOp::create(b, loc, TypeRange{});
  Block *block =
      b.createBlock(&draft.getRegion(), {}, argumentTypes,
                    SmallVector<Location>(argumentTypes.size(), loc));
  // The entry an iteration reads or writes: its index, or for a backward
  // input or output, the index counted from the end.
  Value forward = block->getArgument(0), backward;
  auto entryIndex = [&](bool reverse) {
    if (reverse && !backward)
      backward = arith::SubIOp::create(
          b, loc, arith::SubIOp::create(b, loc, count, one), forward);
    return reverse ? backward : forward;
  };
  SmallVector<ScopedValue> inputs;
  for (size_t k = 0; k < numStates; ++k)
    inputs.push_back({block->getArgument(1 + k), std::nullopt});
  for (auto [j, input] : llvm::enumerate(scanInputs)) {
    auto type = cast<RankedTensorType>(input.getType());
    Entry entry = entryAt(b, type.getShape(), inputAxes[j],
                          entryIndex(spec.inputReverse[j]));
    inputs.push_back({tensor::ExtractSliceOp::create(
                          b, loc, entryTypes[j], input, entry.offsets,
                          entry.sizes, entry.strides),
                      std::nullopt});
  }
  FailureOr<SmallVector<ScopedValue>> outputs = importSubgraph(n, body, inputs);
  if (failed(outputs))
    return failure();

  SmallVector<Value> yielded;
  for (size_t k = 0; k < numStates; ++k) {
    Type before = initialStates[k].getType();
    Type after = (*outputs)[k].value.getType();
    if (before != after)
      return n.emitError() << "state '" << body.output(k).name()
                           << "' enters the Scan as " << before
                           << " and leaves the body as " << after
                           << "; a Scan run at run time needs states that "
                              "keep their types";
    yielded.push_back((*outputs)[k].value);
  }
  // Scan outputs: a tensor of the sequence's length per output, the
  // iteration's value written at its entry along the output's axis.
  SmallVector<Value> buffers;
  for (size_t s = 0; s < numScanOutputs; ++s) {
    Value value = (*outputs)[numStates + s].value;
    auto type = cast<RankedTensorType>(value.getType());
    StringRef name = body.output(numStates + s).name();
    if (!type.hasStaticShape())
      return n.emitError() << "scan output '" << name << "' has type " << type
                           << "; its shape must be known at compile time";
    FailureOr<int64_t> axis = n.normalizeAxis(
        spec.outputAxes[s], type.getRank() + 1, "scan output axis");
    if (failed(axis))
      return failure();
    SmallVector<int64_t> shape(type.getShape());
    shape.insert(shape.begin() + *axis, length);
    Value buffer;
    {
      OpBuilder::InsertionGuard atLoop(b);
      b.setInsertionPoint(draft);
      buffer = tensor::EmptyOp::create(
          b, loc, shape, type.getElementType(),
          ShapedType::isDynamic(length) ? ValueRange{count} : ValueRange{});
    }
    buffers.push_back(buffer);
    Value slots = block->addArgument(buffer.getType(), loc);
    Entry entry = entryAt(b, shape, *axis, entryIndex(spec.outputReverse[s]));
    yielded.push_back(tensor::InsertSliceOp::create(
        b, loc, value, slots, entry.offsets, entry.sizes, entry.strides));
  }
  scf::YieldOp::create(b, loc, yielded);

  // The loop over the sequence, with the draft's block as its body.
  b.setInsertionPoint(draft);
  SmallVector<Value> carried(initialStates);
  llvm::append_range(carried, buffers);
  auto loop = scf::ForOp::create(b, loc, zero, count, one, carried);
  loop.getRegion().takeBody(draft.getRegion());
  draft.erase();
  return SmallVector<Value>(loop.getResults());
}
} // namespace autoglm::importer
