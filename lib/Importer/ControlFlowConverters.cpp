//===- ControlFlowConverters.cpp - If, Loop, Scan -------------------------===//
//
// The control-flow operators. Their bodies are imported where the node
// stands (Subgraph.h). What is known at import time is resolved there, and
// the result is straight-line code; what is known only at run time becomes
// structured control flow (scf) around the imported body, which the rest of
// the compiler lowers like any other region.
//
// - If: a condition known at import time imports only the taken branch. A
//   condition known only at run time becomes an `scf.if` holding both
//   branches, so only the taken one runs; they must give outputs of one
//   type.
// - Loop: unrolled while the trip count and the condition are known: each
//   iteration imports the body with its iteration number (known) and its
//   carried values. A trip count known only at run time, a condition that
//   becomes known only at run time, and a loop too long to unroll become an
//   `scf.while` whose region is the body imported once (the carried values
//   must keep their static types). Scan outputs are stacked along a new
//   leading axis; in a run-time loop they need the number of iterations at
//   compile time (a known trip count and a condition that stays true).
// - Scan: unrolled over a sequence length known at compile time, each scan
//   input sliced along its axis in its direction, each scan output stacked
//   along its axis in its direction. A length known only at run time, or
//   one too long to unroll, becomes an `scf.for` over the sequence
//   (RuntimeScan.cpp). Opset 8's batched form runs the body per batch
//   entry.
//
// docs/decisions.md ("Run-time If and Loop as scf regions", "Run-time Scan
// as an scf.for") says when each form is chosen.
//
//===----------------------------------------------------------------------===//

#include "InputProvenance.h"
#include "NodeContext.h"
#include "OpRegistry.h"
#include "RuntimeScan.h"
#include "Subgraph.h"
#include "TensorConversion.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "onnx/onnx_pb.h"
#include "llvm/ADT/StringSet.h"

using namespace mlir;
using namespace mlir::autoglm;

namespace autoglm::importer {
namespace {
/// An unrolled loop may import at most this many nodes of its body in all
/// (iterations times body nodes): compile time and code size grow with it.
constexpr int64_t kMaxUnrolledNodes = 1 << 14;
/// A Loop with a known trip count runs at run time instead (on the CPU)
/// beyond this many body nodes in all.
constexpr int64_t kMaxUnrolledNodesOfRuntimeLoop = 1 << 12;

const onnx::GraphProto *graphAttr(NodeContext &n, StringRef name) {
  const onnx::AttributeProto *attr = n.attr(name);
  return attr && attr->has_g() ? &attr->g() : nullptr;
}

/// What an unrolled contraction counts for, in nodes. Each unrolled
/// MatMul, Gemm or Conv becomes a tiled kernel of its own, which LLVM takes
/// far longer to compile than an elementwise node: 64 iterations of
/// tanh(h @ W + x) compiled in 9.1 s unrolled against 0.16 s as a run-time
/// loop, which ran 18% slower (bench/control_flow_loops.py). Counting a
/// contraction as 16 nodes keeps such loops unrolled up to about 200
/// contractions (about 30 s of compilation) and runs longer ones at run
/// time.
constexpr int64_t kContractionNodes = 16;

bool isContraction(const onnx::NodeProto &node) {
  static const llvm::StringSet<> names = {"MatMul",
                                          "Gemm",
                                          "Conv",
                                          "ConvTranspose",
                                          "MatMulInteger",
                                          "ConvInteger",
                                          "QLinearMatMul",
                                          "QLinearConv",
                                          "Einsum",
                                          "Attention",
                                          "LSTM",
                                          "GRU",
                                          "RNN"};
  return node.domain().empty() && names.contains(node.op_type());
}

/// The nodes of `graph` and of its subgraphs, a contraction counting
/// kContractionNodes: what unrolling them costs.
int64_t countNodes(const onnx::GraphProto &graph) {
  int64_t count = 0;
  for (const onnx::NodeProto &node : graph.node()) {
    count += isContraction(node) ? kContractionNodes : 1;
    for (const onnx::AttributeProto &attr : node.attribute())
      if (attr.has_g())
        count += countNodes(attr.g());
  }
  return count;
}

/// How many iterations of `body` an unrolled loop may import, at most
/// `maxNodes` body nodes in all (countNodes).
int64_t maxIterations(const onnx::GraphProto &body,
                      int64_t maxNodes = kMaxUnrolledNodes) {
  return maxNodes / std::max<int64_t>(1, countNodes(body));
}

LogicalResult tooManyIterations(NodeContext &n, const onnx::GraphProto &body) {
  InFlightDiagnostic diag =
      n.emitError() << "the loop is unrolled at compile time, and more than "
                    << maxIterations(body) << " iterations of a body of "
                    << body.node_size() << " nodes";
  if (countNodes(body) != body.node_size())
    diag << " (an unrolling cost of " << countNodes(body)
         << ": nested subgraphs' nodes included, a contraction counting "
         << kContractionNodes << ")";
  return diag << " are not supported";
}

/// A condition's value when known at import time.
std::optional<bool> knownBool(const std::optional<KnownInts> &known) {
  if (known && known->isFullyKnown() && known->numElements() == 1)
    return known->values.front() != 0;
  return std::nullopt;
}

/// Checks that `type` is a bool tensor of one element (a condition).
LogicalResult checkCondition(NodeContext &n, Type type, StringRef what) {
  auto ranked = dyn_cast<RankedTensorType>(type);
  if (!ranked || !ranked.getElementType().isInteger(1) ||
      (ranked.hasStaticShape() && ranked.getNumElements() != 1))
    return n.emitError() << what
                         << " must be a bool tensor of one element, not "
                         << type;
  return success();
}

/// Checks that the Loop's trip count M is an int64 tensor of one element.
LogicalResult checkTripCount(NodeContext &n) {
  RankedTensorType type = n.inputType(0);
  if (!type || !type.getElementType().isInteger(64) ||
      (type.hasStaticShape() && type.getNumElements() != 1))
    return n.emitError() << "the trip count M must be an int64 tensor of one "
                         << "element, not " << n.input(0).getType();
  return success();
}

/// The dialects of the run-time control flow, loaded on first use.
void loadStructuredControlFlow(MLIRContext *ctx) {
  ctx->getOrLoadDialect<scf::SCFDialect>();
  ctx->getOrLoadDialect<tensor::TensorDialect>();
  ctx->getOrLoadDialect<arith::ArithDialect>();
}

/// The element of a one-element tensor (a condition, a trip count) as a
/// scalar, for the scf ops.
Value extractScalar(NodeContext &n, Value tensor) {
  loadStructuredControlFlow(n.ctx);
  Value scalar = n.reshape(tensor, {});
  return scalar ? tensor::ExtractOp::create(n.b, n.loc, scalar, ValueRange{})
                      .getResult()
                : Value();
}

ScopedValue knownScalar(NodeContext &n, Type elementType, int64_t value) {
  KnownInts known = KnownInts::scalar(value);
  return {n.constantFromKnown(known, elementType), known};
}

ScopedValue scopedInput(NodeContext &n, unsigned i) {
  ScopedValue result{n.input(i), std::nullopt};
  if (const KnownInts *known = n.known(i))
    result.known = *known;
  return result;
}

/// Entry `index` of `value` along `axis`, without that axis.
Value takeAt(NodeContext &n, Value value, int64_t axis, int64_t index) {
  auto type = cast<RankedTensorType>(value.getType());
  SmallVector<int64_t> starts(type.getRank(), 0), ends(type.getShape()),
      steps(type.getRank(), 1);
  starts[axis] = index;
  ends[axis] = index + 1;
  Value part = n.create<SliceOp>(value, n.b.getDenseI64ArrayAttr(starts),
                                 n.b.getDenseI64ArrayAttr(ends),
                                 n.b.getDenseI64ArrayAttr(steps));
  SmallVector<int64_t> shape(type.getShape());
  shape.erase(shape.begin() + axis);
  return part ? n.reshape(part, shape) : Value();
}

/// The values of a scan output, one per iteration in the order they are
/// stacked, stacked along a new axis `axis` (numpy's stack; -rank-1 to
/// rank). With no iterations, an empty tensor of the body output's declared
/// type (`declared`). Null after a diagnostic naming the output.
Value stackOutputs(NodeContext &n, ArrayRef<Value> values, int64_t axis,
                   const onnx::ValueInfoProto &declared) {
  const std::string &name = declared.name();
  RankedTensorType type;
  if (values.empty()) {
    type = convertTensorType(declared.type(), n.ctx, n.loc,
                             "scan output '" + name + "'");
    if (!type)
      return nullptr;
  } else {
    type = cast<RankedTensorType>(values.front().getType());
  }
  if (!type.hasStaticShape()) {
    n.emitError() << "scan output '" << name << "' has type " << type
                  << "; its shape must be known at compile time";
    return nullptr;
  }
  for (Value value : values)
    if (value.getType() != type) {
      n.emitError() << "scan output '" << name << "' changes type across "
                    << "iterations (" << type << ", then " << value.getType()
                    << ")";
      return nullptr;
    }
  FailureOr<int64_t> normalized =
      n.normalizeAxis(axis, type.getRank() + 1, "scan output axis");
  if (failed(normalized))
    return nullptr;
  SmallVector<int64_t> shape(type.getShape());
  shape.insert(shape.begin() + *normalized, 1);
  if (values.empty()) {
    shape[*normalized] = 0;
    auto empty = RankedTensorType::get(shape, type.getElementType());
    return n.constant(DenseElementsAttr::get(empty, ArrayRef<Attribute>()));
  }
  SmallVector<Value> parts;
  for (Value value : values) {
    parts.push_back(n.reshape(value, shape));
    if (!parts.back())
      return nullptr;
  }
  if (parts.size() == 1)
    return parts.front();
  return n.create<ConcatOp>(parts, n.b.getI64IntegerAttr(*normalized));
}

//===----------------------------------------------------------------------===//
// If
//===----------------------------------------------------------------------===//

/// Checks that output `i` of a run-time If has one type in both branches.
/// Where the condition is computed from one integer graph input (exported
/// AffineGrid tests the dimensions of its `size` input), the diagnostic
/// says to fix it: the condition then folds and one branch remains.
LogicalResult checkSameType(NodeContext &n, unsigned i, Type thenType,
                            Type elseType) {
  if (thenType == elseType)
    return success();
  InFlightDiagnostic diag =
      n.emitError() << "output " << i << " is " << thenType
                    << " in then_branch but " << elseType
                    << " in else_branch; branches of different types "
                    << "under a condition known only at run time are not "
                    << "supported";
  std::string input = integerInputDeciding(n.input(0));
  if (!input.empty())
    diag << "; the condition is computed from graph input '" << input
         << "': give its value with --input-value=" << input << ":FILE.pb";
  return diag;
}

/// A run-time If as straight-line code: both branches run, and each output
/// is the taken branch's (a `select`).
template <typename ImportBranch>
LogicalResult selectBranch(NodeContext &n, const onnx::GraphProto &thenBranch,
                           const onnx::GraphProto &elseBranch,
                           ImportBranch importBranch) {
  FailureOr<SmallVector<ScopedValue>> thenOutputs =
      importBranch(thenBranch, "then_branch");
  if (failed(thenOutputs))
    return failure();
  FailureOr<SmallVector<ScopedValue>> elseOutputs =
      importBranch(elseBranch, "else_branch");
  if (failed(elseOutputs))
    return failure();
  Value condition = n.reshape(n.input(0), {});
  if (!condition)
    return failure();
  for (unsigned i = 0; i < n.numOutputs(); ++i) {
    Value thenValue = (*thenOutputs)[i].value;
    Value elseValue = (*elseOutputs)[i].value;
    if (failed(checkSameType(n, i, thenValue.getType(), elseValue.getType())))
      return failure();
    Value selected = n.create<SelectOp>(condition, thenValue, elseValue);
    if (!selected)
      return failure();
    n.setOutput(i, selected);
  }
  return success();
}

LogicalResult convertIf(NodeContext &n) {
  if (failed(n.checkArity(1, 1, n.numOutputs())))
    return failure();
  const onnx::GraphProto *thenBranch = graphAttr(n, "then_branch");
  const onnx::GraphProto *elseBranch = graphAttr(n, "else_branch");
  if (!thenBranch || !elseBranch)
    return n.emitError() << "needs the graphs then_branch and else_branch";
  if (failed(checkCondition(n, n.input(0).getType(), "the condition")))
    return failure();

  auto importBranch =
      [&](const onnx::GraphProto &branch,
          StringRef which) -> FailureOr<SmallVector<ScopedValue>> {
    FailureOr<SmallVector<ScopedValue>> outputs = importSubgraph(n, branch, {});
    if (succeeded(outputs) && outputs->size() != n.numOutputs())
      return n.emitError() << which << " gives " << outputs->size()
                           << " outputs, but the node has " << n.numOutputs();
    return outputs;
  };

  // A condition known at import time: only the taken branch exists.
  std::optional<bool> known;
  if (const KnownInts *k = n.known(0))
    known = knownBool(*k);
  if (known) {
    FailureOr<SmallVector<ScopedValue>> outputs =
        importBranch(*known ? *thenBranch : *elseBranch,
                     *known ? "then_branch" : "else_branch");
    if (failed(outputs))
      return failure();
    for (auto [i, output] : llvm::enumerate(*outputs))
      n.setOutput(i, output.value, output.known);
    return success();
  }

  if (!n.state.runtimeControlFlow)
    return selectBranch(n, *thenBranch, *elseBranch, importBranch);

  // Known at run time only: an scf.if, so that only the taken branch runs.
  // The branches are imported into a result-less draft first (their output
  // types are known once imported), then moved into the final op.
  Value condition = extractScalar(n, n.input(0));
  if (!condition)
    return failure();
  auto draft =
      scf::IfOp::create(n.b, n.loc, condition, /*withElseRegion=*/true);
  SmallVector<Value> branchOutputs[2];
  for (int k = 0; k < 2; ++k) {
    OpBuilder::InsertionGuard guard(n.b);
    Block *block = k == 0 ? draft.thenBlock() : draft.elseBlock();
    n.b.setInsertionPoint(block->getTerminator());
    FailureOr<SmallVector<ScopedValue>> outputs =
        importBranch(k == 0 ? *thenBranch : *elseBranch,
                     k == 0 ? "then_branch" : "else_branch");
    if (failed(outputs))
      return failure();
    for (const ScopedValue &output : *outputs)
      branchOutputs[k].push_back(output.value);
    block->getTerminator()->erase();
  }
  SmallVector<Type> types;
  for (unsigned i = 0; i < n.numOutputs(); ++i) {
    Type thenType = branchOutputs[0][i].getType();
    Type elseType = branchOutputs[1][i].getType();
    if (failed(checkSameType(n, i, thenType, elseType)))
      return failure();
    types.push_back(thenType);
  }
  auto ifOp = scf::IfOp::create(n.b, n.loc, types, condition,
                                /*withElseRegion=*/true);
  for (int k = 0; k < 2; ++k) {
    Region &to = k == 0 ? ifOp.getThenRegion() : ifOp.getElseRegion();
    to.takeBody(k == 0 ? draft.getThenRegion() : draft.getElseRegion());
    OpBuilder::InsertionGuard guard(n.b);
    n.b.setInsertionPointToEnd(&to.front());
    scf::YieldOp::create(n.b, n.loc, branchOutputs[k]);
  }
  draft.erase();
  for (unsigned i = 0; i < n.numOutputs(); ++i)
    n.setOutput(i, ifOp.getResult(i));
  return success();
}

//===----------------------------------------------------------------------===//
// Loop
//===----------------------------------------------------------------------===//

/// Whether input `i` of the node is an input of the model (which
/// --input-value can fix), not a value computed by the graph or a body.
bool isGraphInput(NodeContext &n, unsigned i) {
  auto arg = dyn_cast_or_null<BlockArgument>(n.input(i));
  return arg && isa<func::FuncOp>(arg.getOwner()->getParentOp());
}

/// The diagnostic for a Loop that cannot run at run time because of `why`.
/// When its trip count is not known, or its condition before the first
/// iteration (`fromStart`) comes straight from a graph input, it says how to
/// make it known at compile time, where the loop is unrolled.
LogicalResult cannotRunAtRuntime(NodeContext &n, bool fromStart,
                                 const Twine &why) {
  for (unsigned i = 0; i < (fromStart ? 2u : 1u); ++i)
    if (n.hasInput(i) && (i == 0 || isGraphInput(n, i)) && !n.knownValues(i))
      return n.notKnown(
          ((i == 0 ? "the trip count M (" : "cond (") + why + ")").str());
  return n.emitError() << why;
}

/// Imports a Loop's body with `inputs` (the iteration number, the
/// condition, the carried values) and checks its first output, the
/// condition of the next iteration.
FailureOr<SmallVector<ScopedValue>>
importLoopBody(NodeContext &n, const onnx::GraphProto &body,
               ArrayRef<ScopedValue> inputs) {
  FailureOr<SmallVector<ScopedValue>> outputs = importSubgraph(n, body, inputs);
  if (failed(outputs) ||
      failed(checkCondition(n, outputs->front().value.getType(),
                            "the body's condition output")))
    return failure();
  return outputs;
}

/// A Loop run at run time: an scf.while over the iterations from `first`,
/// with the body imported once as its region. The loop state is the
/// iteration number, the condition, the carried values (`carried`, which
/// must keep their static types) and one buffer per scan output. The body
/// runs only while the condition holds, so it sees `cond` as a known true.
/// `entry` is the condition before iteration `first` (null: true);
/// `tripCount` the trip count M (null: none), `knownTripCount` its value
/// where known. Binds the node's outputs.
LogicalResult buildRuntimeLoop(NodeContext &n, const onnx::GraphProto &body,
                               int64_t first, ArrayRef<ScopedValue> carried,
                               Value entry, Value tripCount,
                               std::optional<int64_t> knownTripCount) {
  loadStructuredControlFlow(n.ctx);
  unsigned numCarried = carried.size();
  unsigned numScans = body.output_size() - 1 - numCarried;
  Type i1 = n.b.getI1Type(), i64 = n.b.getI64Type();
  for (auto [k, value] : llvm::enumerate(carried)) {
    auto type = cast<RankedTensorType>(value.value.getType());
    if (!type.hasStaticShape()) {
      std::string text;
      llvm::raw_string_ostream os(text);
      os << "loop-carried value '" << body.input(2 + k).name() << "' is '"
         << type << "'; a loop run at run time needs loop-carried values of "
         << "static shapes (specialize the inputs with --input-shape)";
      return cannotRunAtRuntime(n, first == 0, text);
    }
  }
  // The ops go where the node stands; the body's into the loop.
  OpBuilder::InsertionGuard guard(n.b);
  Value limit;
  if (knownTripCount)
    limit = arith::ConstantIntOp::create(n.b, n.loc, i64, *knownTripCount);
  else if (tripCount)
    limit = extractScalar(n, tripCount);
  Value start = arith::ConstantIntOp::create(n.b, n.loc, i64, first);
  Value go = entry ? extractScalar(n, entry)
                   : arith::ConstantIntOp::create(n.b, n.loc, i1, 1);
  if (!go || (tripCount && !limit))
    return failure();

  // The body, imported into a draft block: the scan outputs' types, and so
  // the loop state, are known once it is.
  SmallVector<Value> state{start, go};
  for (const ScopedValue &value : carried)
    state.push_back(value.value);
  auto draft = scf::ExecuteRegionOp::create(n.b, n.loc, TypeRange{});
  Block *after =
      n.b.createBlock(&draft.getRegion(), {}, ValueRange(state).getTypes(),
                      SmallVector<Location>(state.size(), n.loc));
  Value iteration = after->getArgument(0);
  SmallVector<ScopedValue> inputs{
      {tensor::FromElementsOp::create(
           n.b, n.loc, RankedTensorType::get({}, i64), ValueRange{iteration}),
       std::nullopt},
      knownScalar(n, i1, 1)};
  for (unsigned k = 0; k < numCarried; ++k)
    inputs.push_back({after->getArgument(2 + k), std::nullopt});
  FailureOr<SmallVector<ScopedValue>> outputs = importLoopBody(n, body, inputs);
  if (failed(outputs))
    return failure();
  const ScopedValue &next = outputs->front();
  for (unsigned k = 0; k < numCarried; ++k) {
    Type before = carried[k].value.getType();
    Type afterType = (*outputs)[1 + k].value.getType();
    if (before != afterType) {
      std::string text;
      llvm::raw_string_ostream os(text);
      os << "loop-carried value '" << body.output(1 + k).name()
         << "' enters the loop as '" << before << "' and leaves the body as '"
         << afterType << "'; a loop run at run time needs loop-carried values "
         << "that keep their types";
      return cannotRunAtRuntime(n, first == 0, text);
    }
  }

  // Scan outputs: one slot per iteration, which needs their number.
  SmallVector<RankedTensorType> scanTypes;
  int64_t numIterations = 0;
  if (numScans > 0) {
    std::optional<bool> staysTrue = knownBool(next.known);
    if (!knownTripCount || entry || !staysTrue || !*staysTrue)
      return cannotRunAtRuntime(
          n, first == 0,
          "the loop has scan outputs, which need the number of iterations "
          "at compile time: a trip count known at compile time and a "
          "condition that stays true");
    numIterations = std::max<int64_t>(*knownTripCount - first, 0);
    for (unsigned s = 0; s < numScans; ++s) {
      auto type = cast<RankedTensorType>(
          (*outputs)[1 + numCarried + s].value.getType());
      if (!type.hasStaticShape())
        return n.emitError()
               << "scan output '" << body.output(1 + numCarried + s).name()
               << "' has type " << type
               << "; its shape must be known at compile time";
      SmallVector<int64_t> shape{numIterations};
      llvm::append_range(shape, type.getShape());
      scanTypes.push_back(RankedTensorType::get(shape, type.getElementType()));
    }
  }
  for (RankedTensorType type : scanTypes) {
    OpBuilder::InsertionGuard guard(n.b);
    n.b.setInsertionPoint(draft);
    state.push_back(tensor::EmptyOp::create(n.b, n.loc, type.getShape(),
                                            type.getElementType()));
    after->addArgument(type, n.loc);
  }

  // The rest of the iteration: the next state.
  Value nextCondition = extractScalar(n, next.value);
  if (!nextCondition)
    return failure();
  SmallVector<Value> yielded{
      arith::AddIOp::create(n.b, n.loc, iteration,
                            arith::ConstantIntOp::create(n.b, n.loc, i64, 1)),
      nextCondition};
  for (unsigned k = 0; k < numCarried; ++k)
    yielded.push_back((*outputs)[1 + k].value);
  if (numScans > 0) {
    Value slot = arith::IndexCastOp::create(
        n.b, n.loc, n.b.getIndexType(),
        arith::SubIOp::create(n.b, n.loc, iteration, state.front()));
    for (auto [s, type] : llvm::enumerate(scanTypes)) {
      SmallVector<int64_t> shape(type.getShape());
      shape[0] = 1;
      Value value = n.reshape((*outputs)[1 + numCarried + s].value, shape);
      if (!value)
        return failure();
      SmallVector<OpFoldResult> offsets(shape.size(), n.b.getIndexAttr(0));
      offsets[0] = slot;
      SmallVector<OpFoldResult> sizes,
          strides(shape.size(), n.b.getIndexAttr(1));
      for (int64_t size : shape)
        sizes.push_back(n.b.getIndexAttr(size));
      yielded.push_back(tensor::InsertSliceOp::create(
          n.b, n.loc, value, after->getArgument(2 + numCarried + s), offsets,
          sizes, strides));
    }
  }
  scf::YieldOp::create(n.b, n.loc, yielded);

  // The loop: it goes on while the condition holds and, with a trip count,
  // while the iteration number is below it.
  n.b.setInsertionPoint(draft);
  TypeRange types = ValueRange(state).getTypes();
  auto loop = scf::WhileOp::create(n.b, n.loc, types, state);
  SmallVector<Location> locs(state.size(), n.loc);
  Block *before = n.b.createBlock(&loop.getBefore(), {}, types, locs);
  Value running = before->getArgument(1);
  if (limit) {
    Value below = arith::CmpIOp::create(n.b, n.loc, arith::CmpIPredicate::slt,
                                        before->getArgument(0), limit);
    running = arith::AndIOp::create(n.b, n.loc, running, below);
  }
  scf::ConditionOp::create(n.b, n.loc, running, before->getArguments());
  loop.getAfter().takeBody(draft.getRegion());
  draft.erase();

  for (unsigned k = 0; k < numCarried; ++k)
    n.setOutput(k, loop.getResult(2 + k));
  for (unsigned s = 0; s < numScans; ++s)
    if (n.hasOutput(numCarried + s))
      n.setOutput(numCarried + s, loop.getResult(2 + numCarried + s));
  return success();
}

LogicalResult convertLoop(NodeContext &n) {
  const onnx::GraphProto *body = graphAttr(n, "body");
  if (!body)
    return n.emitError() << "needs the graph body";
  if (n.numInputs() < 2)
    return n.emitError()
           << "expects the inputs M and cond (either may be empty), got "
           << n.numInputs() << " inputs";
  unsigned numCarried = n.numInputs() - 2;
  for (unsigned k = 0; k < numCarried; ++k)
    if (!n.hasInput(2 + k))
      return n.emitError() << "loop-carried input " << 2 + k << " is missing";
  if (body->output_size() < static_cast<int>(1 + numCarried))
    return n.emitError() << "the body gives " << body->output_size()
                         << " outputs; with " << numCarried
                         << " loop-carried values it must give at least "
                         << 1 + numCarried
                         << " (the condition, then the values)";
  unsigned numScans = body->output_size() - 1 - numCarried;
  if (n.numOutputs() > numCarried + numScans)
    return n.emitError() << "has " << n.numOutputs()
                         << " outputs, but the body "
                         << "gives " << numCarried << " loop-carried values "
                         << "and " << numScans << " scan outputs";

  Value tripCountValue = n.hasInput(0) ? n.input(0) : Value();
  std::optional<int64_t> tripCount;
  if (tripCountValue) {
    if (failed(checkTripCount(n)))
      return failure();
    if (const KnownInts *k = n.known(0))
      if (k->isFullyKnown() && k->numElements() == 1)
        tripCount = std::max<int64_t>(k->values.front(), 0);
  }
  std::optional<bool> condition = true;
  Value conditionValue;
  if (n.hasInput(1)) {
    if (failed(checkCondition(n, n.input(1).getType(), "cond")))
      return failure();
    const KnownInts *k = n.known(1);
    condition = k ? knownBool(*k) : std::nullopt;
    conditionValue = n.input(1);
  }

  SmallVector<ScopedValue> carried;
  for (unsigned k = 0; k < numCarried; ++k)
    carried.push_back(scopedInput(n, 2 + k));
  // A trip count known only at run time, or too many iterations to unroll:
  // the whole loop runs at run time.
  if (tripCountValue && !tripCount && !n.state.runtimeControlFlow) {
    (void)n.knownScalar(0, "the trip count M"); // the diagnostic
    return failure();
  }
  if (n.state.runtimeControlFlow &&
      ((tripCountValue && !tripCount) ||
       (tripCount &&
        *tripCount > maxIterations(*body, kMaxUnrolledNodesOfRuntimeLoop))))
    return buildRuntimeLoop(n, *body, 0, carried,
                            condition && *condition ? Value() : conditionValue,
                            tripCountValue, tripCount);

  // Once the condition is only known at run time and the loop stays
  // straight-line code (`runtimeControlFlow` off): whether the loop still
  // runs. Each later iteration keeps its carried values only while it does.
  Value running;
  SmallVector<SmallVector<Value>> scans(numScans);
  Type i1 = n.b.getI1Type(), i64 = n.b.getI64Type();
  for (int64_t i = 0; !tripCount || i < *tripCount; ++i) {
    if (!running && condition && !*condition)
      break;
    if (!running && !condition) {
      // Where the initial condition is a graph input, say how to fix it.
      auto unknown = [&](StringRef why) -> LogicalResult {
        if (i == 0 && n.hasInput(1) && !n.knownValues(1))
          return n.notKnown(("cond (" + why + ")").str());
        return n.emitError()
               << "the condition is computed at run time in iteration " << i
               << ", and " << why;
      };
      if (numScans > 0)
        return unknown("the scan outputs need the number of iterations at "
                       "compile time");
      // The rest of the loop runs at run time.
      if (n.state.runtimeControlFlow)
        return buildRuntimeLoop(n, *body, i, carried, conditionValue,
                                tripCountValue, tripCount);
      if (!tripCount)
        return unknown("the loop has no trip count, so it can only be "
                       "unrolled while the condition is known");
      running = n.reshape(conditionValue, {});
      if (!running)
        return failure();
    }
    if (i >= maxIterations(*body))
      return tooManyIterations(n, *body);

    SmallVector<ScopedValue> inputs{knownScalar(n, i64, i)};
    inputs.push_back(running ? ScopedValue{running, std::nullopt}
                             : knownScalar(n, i1, 1));
    inputs.append(carried.begin(), carried.end());
    FailureOr<SmallVector<ScopedValue>> outputs =
        importLoopBody(n, *body, inputs);
    if (failed(outputs))
      return failure();
    const ScopedValue &next = outputs->front();
    for (unsigned k = 0; k < numCarried; ++k) {
      Value before = carried[k].value;
      const ScopedValue &after = (*outputs)[1 + k];
      auto beforeType = cast<RankedTensorType>(before.getType());
      auto afterType = cast<RankedTensorType>(after.value.getType());
      StringRef name = body->output(1 + k).name();
      if (beforeType.getElementType() != afterType.getElementType())
        return n.emitError()
               << "loop-carried value '" << name << "' enters iteration " << i
               << " as " << beforeType << " and leaves it as " << afterType;
      if (!running) {
        carried[k] = after;
        continue;
      }
      if (beforeType != afterType)
        return n.emitError()
               << "loop-carried value '" << name << "' changes shape in "
               << "iteration " << i << " (" << beforeType << " to " << afterType
               << "); with a condition known only at run time "
               << "a loop-carried value must keep its shape";
      Value kept = n.create<SelectOp>(running, after.value, before);
      if (!kept)
        return failure();
      carried[k] = {kept, std::nullopt};
    }
    if (running) {
      Value stillRunning = n.reshape(next.value, {});
      running = stillRunning ? n.create<AndOp>(running, stillRunning) : Value();
      if (!running)
        return failure();
    } else {
      condition = knownBool(next.known);
      conditionValue = next.value;
    }
    for (unsigned s = 0; s < numScans; ++s)
      scans[s].push_back((*outputs)[1 + numCarried + s].value);
  }

  for (unsigned k = 0; k < numCarried; ++k)
    n.setOutput(k, carried[k].value, carried[k].known);
  for (unsigned s = 0; s < numScans; ++s) {
    if (!n.hasOutput(numCarried + s))
      continue;
    Value stacked =
        stackOutputs(n, scans[s], 0, body->output(1 + numCarried + s));
    if (!stacked)
      return failure();
    n.setOutput(numCarried + s, stacked);
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Scan
//===----------------------------------------------------------------------===//

/// Runs `body` over the scan inputs: the final states, then the scan
/// outputs. Unrolled over a sequence length known at compile time; on the
/// CPU (`runtimeControlFlow`), a length known only at run time or too long
/// to unroll runs as a loop at run time (RuntimeScan.cpp).
FailureOr<SmallVector<Value>> runScan(NodeContext &n,
                                      const onnx::GraphProto &body,
                                      ArrayRef<ScopedValue> initialStates,
                                      ArrayRef<Value> scanInputs,
                                      const ScanSpec &spec) {
  size_t numStates = initialStates.size();
  size_t numScanOutputs = body.output_size() - numStates;
  SmallVector<int64_t> axes;
  int64_t length = ShapedType::kDynamic;
  for (auto [j, input] : llvm::enumerate(scanInputs)) {
    auto type = cast<RankedTensorType>(input.getType());
    FailureOr<int64_t> axis =
        n.normalizeAxis(spec.inputAxes[j], type.getRank(), "scan input axis");
    if (failed(axis))
      return failure();
    axes.push_back(*axis);
    int64_t entries = type.getDimSize(*axis);
    if (ShapedType::isDynamic(entries))
      continue;
    if (!ShapedType::isDynamic(length) && entries != length)
      return n.emitError() << "scan input " << j << " has " << entries
                           << " entries along its axis, an earlier scan "
                              "input has "
                           << length;
    length = entries;
  }
  bool unrollable =
      !ShapedType::isDynamic(length) &&
      length <= maxIterations(body, n.state.runtimeControlFlow
                                        ? kMaxUnrolledNodesOfRuntimeLoop
                                        : kMaxUnrolledNodes);
  if (!unrollable && n.state.runtimeControlFlow) {
    SmallVector<Value> states;
    for (const ScopedValue &state : initialStates)
      states.push_back(state.value);
    return buildRuntimeScan(n, body, states, scanInputs, axes, spec, length);
  }
  for (auto [j, input] : llvm::enumerate(scanInputs))
    if (!cast<RankedTensorType>(input.getType()).hasStaticShape())
      return n.emitError() << "scan input " << j << " is " << input.getType()
                           << "; the Scan is unrolled at compile time and "
                              "needs static shapes; specialize the inputs "
                              "with --input-shape";
  if (length > maxIterations(body))
    return tooManyIterations(n, body);

  SmallVector<ScopedValue> states(initialStates);
  SmallVector<SmallVector<Value>> scans(numScanOutputs);
  for (int64_t t = 0; t < length; ++t) {
    SmallVector<ScopedValue> inputs(states);
    for (auto [j, input] : llvm::enumerate(scanInputs)) {
      int64_t index = spec.inputReverse[j] ? length - 1 - t : t;
      Value slice = takeAt(n, input, axes[j], index);
      if (!slice)
        return failure();
      inputs.push_back({slice, std::nullopt});
    }
    FailureOr<SmallVector<ScopedValue>> outputs =
        importSubgraph(n, body, inputs);
    if (failed(outputs))
      return failure();
    for (size_t k = 0; k < numStates; ++k)
      states[k] = (*outputs)[k];
    for (size_t s = 0; s < numScanOutputs; ++s)
      scans[s].push_back((*outputs)[numStates + s].value);
  }

  SmallVector<Value> results;
  for (const ScopedValue &state : states)
    results.push_back(state.value);
  for (size_t s = 0; s < numScanOutputs; ++s) {
    if (spec.outputReverse[s])
      std::reverse(scans[s].begin(), scans[s].end());
    Value stacked = stackOutputs(n, scans[s], spec.outputAxes[s],
                                 body.output(numStates + s));
    if (!stacked)
      return failure();
    results.push_back(stacked);
  }
  return results;
}

/// The ints attribute `name`, `count` zeros by default; each entry 0 or 1
/// where `isDirection`.
FailureOr<SmallVector<int64_t>> scanAttr(NodeContext &n, StringRef name,
                                         size_t count, bool isDirection) {
  SmallVector<int64_t> values =
      n.intsAttr(name).value_or(SmallVector<int64_t>(count, 0));
  if (values.size() != count)
    return n.emitError() << name << " has " << values.size()
                         << " entries, expected " << count;
  if (isDirection)
    for (int64_t value : values)
      if (value != 0 && value != 1)
        return n.emitError()
               << name << " entries must be 0 or 1, got " << value;
  return values;
}

LogicalResult convertScan(NodeContext &n) {
  const onnx::GraphProto *body = graphAttr(n, "body");
  if (!body)
    return n.emitError() << "needs the graph body";
  int64_t numScanInputs = n.intAttr("num_scan_inputs", 0);
  // Opset 8's batched form has sequence_lens first.
  bool batched = n.opset() < 9;
  int64_t firstState = batched ? 1 : 0;
  int64_t numStates = n.numInputs() - firstState - numScanInputs;
  if (numScanInputs < 1 || numStates < 0)
    return n.emitError() << "num_scan_inputs is " << numScanInputs
                         << ", the node has " << n.numInputs() << " inputs";
  if (body->output_size() < numStates)
    return n.emitError() << "the body gives " << body->output_size()
                         << " outputs, fewer than the " << numStates
                         << " states";
  size_t numScanOutputs = body->output_size() - numStates;
  if (n.numOutputs() > numStates + numScanOutputs)
    return n.emitError() << "has " << n.numOutputs()
                         << " outputs, but the body "
                         << "gives " << body->output_size();
  for (int64_t i = firstState; i < n.numInputs(); ++i)
    if (!n.hasInput(i))
      return n.emitError() << "input " << i << " is missing";

  ScanSpec spec;
  FailureOr<SmallVector<int64_t>> inputReverse = scanAttr(
      n, batched ? "directions" : "scan_input_directions", numScanInputs, true);
  if (failed(inputReverse))
    return failure();
  spec.inputReverse = *inputReverse;
  if (batched) {
    // The body sees one batch entry: sequence axis 0, outputs appended.
    spec.inputAxes.assign(numScanInputs, 0);
    spec.outputAxes.assign(numScanOutputs, 0);
    spec.outputReverse.assign(numScanOutputs, 0);
  } else {
    FailureOr<SmallVector<int64_t>> inputAxes =
        scanAttr(n, "scan_input_axes", numScanInputs, false);
    FailureOr<SmallVector<int64_t>> outputAxes =
        scanAttr(n, "scan_output_axes", numScanOutputs, false);
    FailureOr<SmallVector<int64_t>> outputReverse =
        scanAttr(n, "scan_output_directions", numScanOutputs, true);
    if (failed(inputAxes) || failed(outputAxes) || failed(outputReverse))
      return failure();
    spec.inputAxes = *inputAxes;
    spec.outputAxes = *outputAxes;
    spec.outputReverse = *outputReverse;
  }

  SmallVector<ScopedValue> states;
  for (int64_t k = 0; k < numStates; ++k)
    states.push_back(scopedInput(n, firstState + k));
  SmallVector<Value> scanInputs;
  for (int64_t j = 0; j < numScanInputs; ++j)
    scanInputs.push_back(n.input(firstState + numStates + j));

  SmallVector<Value> results;
  if (!batched) {
    FailureOr<SmallVector<Value>> scanned =
        runScan(n, *body, states, scanInputs, spec);
    if (failed(scanned))
      return failure();
    results = std::move(*scanned);
  } else {
    // [batch, sequence, ...] scan inputs and [batch, ...] states: the body
    // runs per batch entry, and the results are stacked along the batch.
    auto type = cast<RankedTensorType>(scanInputs.front().getType());
    if (type.getRank() < 2 || !type.hasStaticShape())
      return n.emitError() << "scan input 0 is " << type << "; it must be "
                           << "[batch, sequence, ...] with a static shape";
    int64_t batch = type.getDimSize(0), length = type.getDimSize(1);
    if (n.hasInput(0)) {
      std::optional<SmallVector<int64_t>> lengths = n.knownValues(0);
      if (!lengths)
        return n.notKnown("sequence_lens");
      if (llvm::any_of(*lengths, [&](int64_t l) { return l != length; }))
        return n.emitError() << "sequence_lens shorter than the sequence ("
                             << length << ") are not supported";
    }
    SmallVector<SmallVector<Value>> perBatch(numStates + numScanOutputs);
    for (int64_t b = 0; b < batch; ++b) {
      SmallVector<ScopedValue> entryStates;
      for (const ScopedValue &state : states) {
        auto stateType = cast<RankedTensorType>(state.value.getType());
        if (stateType.getRank() < 1 || stateType.getDimSize(0) != batch)
          return n.emitError() << "state " << stateType << " must have the "
                               << "batch size " << batch << " first";
        entryStates.push_back({takeAt(n, state.value, 0, b), std::nullopt});
      }
      SmallVector<Value> entryInputs;
      for (Value input : scanInputs) {
        auto inputType = cast<RankedTensorType>(input.getType());
        if (inputType.getRank() < 2 || !inputType.hasStaticShape() ||
            inputType.getDimSize(0) != batch)
          return n.emitError() << "scan input " << inputType << " must be "
                               << "[" << batch << ", sequence, ...]";
        entryInputs.push_back(takeAt(n, input, 0, b));
      }
      if (llvm::any_of(entryStates, [](auto &s) { return !s.value; }) ||
          llvm::is_contained(entryInputs, Value()))
        return failure();
      FailureOr<SmallVector<Value>> scanned =
          runScan(n, *body, entryStates, entryInputs, spec);
      if (failed(scanned))
        return failure();
      for (auto [all, value] : llvm::zip(perBatch, *scanned))
        all.push_back(value);
    }
    for (auto [i, values] : llvm::enumerate(perBatch)) {
      Value stacked =
          stackOutputs(n, values, 0, body->output(static_cast<int>(i)));
      if (!stacked)
        return failure();
      results.push_back(stacked);
    }
  }
  for (auto [i, value] : llvm::enumerate(results))
    if (i < n.numOutputs())
      n.setOutput(i, value);
  return success();
}
} // namespace

void registerControlFlowConverters(OpRegistry &r) {
  r.add("If", convertIf);
  r.add("Loop", convertLoop);
  r.add("Scan", convertScan);
}
} // namespace autoglm::importer
