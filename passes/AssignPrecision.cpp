//===- AssignPrecision.cpp - f16/bf16 contractions, f32 elsewhere --------===//
//
// --autoglm-assign-precision (precision=fp16|bf16): the mixed-precision
// policy of docs/precision.md.
//
//   - Contractions (matmul, batched matmul, conv) with f32 operands read
//     their operands in the narrow type and accumulate in f32: the op gets
//     `accumulator_type = f32` and keeps its f32 result, so whatever follows
//     (bias, activation, residual, normalization) computes in f32.
//   - Every other op computes in f32, so the numerically fragile ones (exp,
//     softmax, erf, pow, reductions, LayerNorm statistics) never see a
//     narrow value they did not see before.
//   - A narrowing cast goes where a contraction reads a value, and rises
//     through the data movement before it (reshape, transpose, expand, tile,
//     concat; slice and gather only of constants): rounding commutes with
//     moving elements, and the moves then carry half the bytes.
//   - Constants are converted at compile time (the weights file halves), and
//     embedding tables read by gather are stored narrow with a widening cast
//     after the gather.
//   - A narrowing cast of a widening cast of the same type cancels.
//   - Only f32 tensors change: integers, booleans, shapes and tensors that
//     are already f16/bf16/f64 are left alone.
//
// precision=int8 quantizes the products on constant weights from
// calibrated ranges instead (QuantizeInt8.cpp); this file writes its report.
//
//===----------------------------------------------------------------------===//

#include "Calibration.h"
#include "ConstantEvaluator.h"
#include "PrecisionPicture.h"
#include "PrecisionToggles.h"
#include "autoglm/Passes/Passes.h"
#include "autoglm/Passes/Report.h"

#include "mlir/IR/Dominance.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/CSE.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

namespace mlir::autoglm {
#define GEN_PASS_DEF_ASSIGNPRECISION
#include "autoglm/Passes/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;
using namespace mlir::autoglm;

namespace {
constexpr StringLiteral kPass = "assign-precision";

/// Gather tables smaller than this stay f32: converting them saves little.
constexpr int64_t kMinTableElements = 1024;

bool hasElementType(Type type, function_ref<bool(Type)> pred) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  return tensor && pred(tensor.getElementType());
}
bool isF32Tensor(Value v) {
  return hasElementType(v.getType(), [](Type t) { return t.isF32(); });
}

ElementsAttr constantOf(Value value) {
  Attribute attr;
  if (!value || !matchPattern(value, m_Constant(&attr)))
    return {};
  return dyn_cast<ElementsAttr>(attr);
}

/// Converts float constants to narrower types, once per constant value and
/// type: a weight read by two contractions is stored once (the two
/// constant ops CSE into one).
class ConstantConverter {
public:
  /// `attr` converted to `element`, or null when the evaluator cannot read
  /// it (an elided blob, a dynamic shape).
  ElementsAttr convert(ElementsAttr attr, Type element, Location loc) {
    auto [it, inserted] = converted.try_emplace({attr, element});
    if (!inserted)
      return it->second;
    std::optional<ConstTensor> tensor = ConstTensor::read(attr);
    if (!tensor || !tensor->isFloat())
      return {};
    tensor->type = tensor->type.clone(element);
    std::string blob = "narrowed_";
    for (char c : nodeNames(loc))
      blob.push_back(llvm::isAlnum(c) ? c : '_');
    it->second = tensor->toAttr(blob);
    return it->second;
  }

private:
  DenseMap<std::pair<Attribute, Type>, ElementsAttr> converted;
};

/// `value` in the float type `element`: a converted constant where `value`
/// is one, the value a widening cast started from where that is `element`
/// already, an `autoglm.cast` otherwise.
Value castTo(RewriterBase &rewriter, ConstantConverter &constants, Value value,
             Type element) {
  auto type = cast<RankedTensorType>(value.getType());
  if (type.getElementType() == element)
    return value;
  if (auto from = value.getDefiningOp<CastOp>())
    if (getElementTypeOrSelf(from.getInput().getType()) == element)
      return from.getInput();
  Location loc = value.getLoc();
  if (ElementsAttr attr = constantOf(value))
    if (ElementsAttr narrow = constants.convert(attr, element, loc))
      return ConstantOp::create(rewriter, loc, narrow.getType(), narrow);
  return CastOp::create(rewriter, loc, type.clone(element), value);
}

/// Rebuilds the contraction `op` on narrow operands with f32 accumulation.
void narrowContraction(RewriterBase &rewriter, ConstantConverter &constants,
                       Operation *op, Type narrow) {
  rewriter.setInsertionPoint(op);
  TypeAttr f32 = TypeAttr::get(rewriter.getF32Type());
  Value replacement;
  if (auto mm = dyn_cast<MatMulOp>(op)) {
    replacement = MatMulOp::create(
        rewriter, mm.getLoc(), castTo(rewriter, constants, mm.getLhs(), narrow),
        castTo(rewriter, constants, mm.getRhs(), narrow), f32, FloatAttr());
  } else {
    auto conv = cast<ConvOp>(op);
    replacement = ConvOp::create(
        rewriter, conv.getLoc(),
        castTo(rewriter, constants, conv.getInput(), narrow),
        castTo(rewriter, constants, conv.getWeight(), narrow), conv.getBias(),
        conv.getStridesAttr(), conv.getPadsAttr(), conv.getDilationsAttr(),
        conv.getGroupsAttr(), f32);
  }
  recordRewrite(op->getContext(), kPass, "contraction", {op->getLoc()});
  rewriter.replaceOp(op, replacement);
}

bool isContractionToNarrow(Operation *op) {
  if (op->getParentOfType<FusedOp>() || isKeptInFloat32(op))
    return false;
  if (auto mm = dyn_cast<MatMulOp>(op))
    return !mm.getAccumulatorType() && isF32Tensor(mm.getLhs()) &&
           isF32Tensor(mm.getRhs());
  if (auto conv = dyn_cast<ConvOp>(op))
    return !conv.getAccumulatorType() && isF32Tensor(conv.getInput()) &&
           isF32Tensor(conv.getWeight());
  return false;
}

/// gather(table) with a large constant f32 table: the table is stored
/// narrow and the gathered rows widened back to f32.
void narrowGatherTable(RewriterBase &rewriter, ConstantConverter &constants,
                       GatherOp gather, Type narrow) {
  rewriter.setInsertionPoint(gather);
  Value table = castTo(rewriter, constants, gather.getData(), narrow);
  auto narrowGather =
      GatherOp::create(rewriter, gather.getLoc(), table, gather.getIndices(),
                       gather.getAxisAttr());
  recordRewrite(gather->getContext(), kPass, "gather-table", {gather.getLoc()});
  rewriter.replaceOpWithNewOp<CastOp>(gather, gather.getType(),
                                      narrowGather.getResult());
}

bool isTableToNarrow(GatherOp gather) {
  if (gather->getParentOfType<FusedOp>() || isKeptInFloat32(gather) ||
      !isF32Tensor(gather.getData()))
    return false;
  ElementsAttr table = constantOf(gather.getData());
  return table && table.getNumElements() >= kMinTableElements;
}

//===----------------------------------------------------------------------===//
// Cast placement patterns
//===----------------------------------------------------------------------===//

unsigned floatWidth(Type type) {
  auto f = dyn_cast<FloatType>(getElementTypeOrSelf(type));
  return f ? f.getWidth() : 0;
}

/// cast(cast(x : A -> B) -> A) with B a wider float than A: x, exactly.
struct CancelWidenThenNarrow : OpRewritePattern<CastOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(CastOp op,
                                PatternRewriter &rewriter) const override {
    auto inner = op.getInput().getDefiningOp<CastOp>();
    if (!inner || inner.getInput().getType() != op.getType())
      return failure();
    unsigned a = floatWidth(op.getType()), b = floatWidth(inner.getType());
    if (!a || !b || b <= a)
      return failure();
    rewriter.replaceOp(op, inner.getInput());
    return success();
  }
};

/// A narrowing float cast of a constant: the converted constant.
struct NarrowConstant : OpRewritePattern<CastOp> {
  NarrowConstant(MLIRContext *context, ConstantConverter &constants)
      : OpRewritePattern(context), constants(constants) {}
  LogicalResult matchAndRewrite(CastOp op,
                                PatternRewriter &rewriter) const override {
    unsigned to = floatWidth(op.getType()),
             from = floatWidth(op.getInput().getType());
    ElementsAttr attr = constantOf(op.getInput());
    if (!to || !from || to >= from || !attr)
      return failure();
    ElementsAttr narrow = constants.convert(
        attr, getElementTypeOrSelf(op.getType()), op.getInput().getLoc());
    if (!narrow)
      return failure();
    rewriter.replaceOpWithNewOp<ConstantOp>(op, narrow.getType(), narrow);
    return success();
  }
  ConstantConverter &constants;
};

/// A narrowing cast of the only use of a data-movement op moves above it:
/// cast(transpose(x)) -> transpose(cast(x)). Exact, since rounding is per
/// element; the move then carries narrow elements. Slice and gather select
/// part of their input, so only a constant input (converted at compile
/// time) is narrowed before them.
struct HoistNarrowingCast : OpRewritePattern<CastOp> {
  HoistNarrowingCast(MLIRContext *context, ConstantConverter &constants)
      : OpRewritePattern(context), constants(constants) {}
  LogicalResult matchAndRewrite(CastOp op,
                                PatternRewriter &rewriter) const override {
    Type narrow = getElementTypeOrSelf(op.getType());
    unsigned to = floatWidth(op.getType()),
             from = floatWidth(op.getInput().getType());
    Operation *move = op.getInput().getDefiningOp();
    if (!to || !from || to >= from || !move || !move->hasOneUse() ||
        move->getNumResults() != 1)
      return failure();
    if (!isa<ReshapeOp, TransposeOp, ExpandOp, TileOp, ConcatOp, SliceOp,
             GatherOp>(move))
      return failure();
    if (isa<SliceOp, GatherOp>(move) && !constantOf(move->getOperand(0)))
      return failure();
    rewriter.setInsertionPoint(move);
    SmallVector<Value> operands;
    for (Value operand : move->getOperands())
      operands.push_back(
          hasElementType(operand.getType(),
                         [](Type t) { return isa<FloatType>(t); })
              ? castTo(rewriter, constants, operand, narrow)
              : operand);
    Operation *narrowMove = rewriter.clone(*move);
    rewriter.modifyOpInPlace(narrowMove, [&] {
      narrowMove->setOperands(operands);
      narrowMove->getResult(0).setType(
          cast<RankedTensorType>(op.getType()).clone(narrow));
    });
    rewriter.replaceOp(op, narrowMove->getResult(0));
    rewriter.eraseOp(move);
    return success();
  }
  ConstantConverter &constants;
};

/// Ops that give the same result on narrow operands, computing in the
/// narrow type, as in f32 up to one rounding of their result: max pooling
/// and data movement exactly, the elementwise arithmetic (ReLU, Clip, Add,
/// Sub, Mul, Max, Min, Neg, Abs) up to that rounding. Transcendental,
/// normalizing and reducing ops are not among them.
bool computesNarrow(Operation *op) {
  if (auto pool = dyn_cast<PoolOp>(op))
    return pool.getKind() == PoolKind::max;
  return isa<ReluOp, ClipOp, AddOp, SubOp, MulOp, MaxOp, MinOp, NegOp, AbsOp,
             ReshapeOp, TransposeOp>(op);
}

/// The accumulator type of a mixed-precision matmul or conv; nothing for
/// any other op.
std::optional<Type> accumulatorOf(Operation *op) {
  if (auto mm = dyn_cast<MatMulOp>(op))
    return mm.getAccumulatorType();
  if (auto conv = dyn_cast<ConvOp>(op))
    return conv.getAccumulatorType();
  return std::nullopt;
}

/// A product narrowContraction (or the fp8 quantization) made: narrow
/// operands, f32 accumulator.
bool isNarrowedProduct(Operation *op) {
  std::optional<Type> accumulator = accumulatorOf(op);
  if (!accumulator || !accumulator->isF32())
    return false;
  unsigned width = floatWidth(op->getOperand(0).getType());
  return width == 16 || width == 8; // f16/bf16, or float8 (fp8)
}

/// The narrow value `value` widens, when it is a widening float cast.
Value widenedFrom(Value value) {
  auto cast = value.getDefiningOp<CastOp>();
  if (!cast ||
      floatWidth(cast.getType()) <= floatWidth(cast.getInput().getType()) ||
      floatWidth(cast.getInput().getType()) != 16)
    return {};
  return cast.getInput();
}

/// With narrow activations: an op that computes narrow, whose f32 operands
/// are widened narrow values of one type or constants, computes in that
/// type and its result is widened instead:
/// relu(cast(x : f16 -> f32)) -> cast(relu(x) : f16 -> f32). Repeated,
/// the widening casts move down to the ops that need f32, and a narrowing
/// cast met on the way cancels (CancelWidenThenNarrow).
///
/// The quantization ops of fp8 products (`keepWide`) stay f32: their scale
/// (448 over the threshold) need not be finite in f16.
struct SinkWideningCast : RewritePattern {
  SinkWideningCast(MLIRContext *context, ConstantConverter &constants,
                   const llvm::DenseSet<Operation *> &keepWide)
      : RewritePattern(MatchAnyOpTypeTag(), /*benefit=*/1, context),
        constants(constants), keepWide(keepWide) {}
  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &rewriter) const override {
    if (!computesNarrow(op) || op->getNumResults() != 1 ||
        !isF32Tensor(op->getResult(0)) || keepWide.contains(op))
      return failure();
    Type narrow;
    for (Value operand : op->getOperands()) {
      if (!isF32Tensor(operand))
        continue; // a shape, a permutation
      if (Value source = widenedFrom(operand)) {
        Type element = getElementTypeOrSelf(source.getType());
        if (narrow && narrow != element)
          return failure();
        narrow = element;
      } else if (!constantOf(operand)) {
        return failure();
      }
    }
    if (!narrow)
      return failure();
    rewriter.setInsertionPoint(op);
    SmallVector<Value> operands =
        llvm::map_to_vector(op->getOperands(), [&](Value operand) {
          return isF32Tensor(operand)
                     ? castTo(rewriter, constants, operand, narrow)
                     : operand;
        });
    Operation *narrowOp = rewriter.clone(*op);
    auto wideType = cast<RankedTensorType>(op->getResult(0).getType());
    rewriter.modifyOpInPlace(narrowOp, [&] {
      narrowOp->setOperands(operands);
      narrowOp->getResult(0).setType(wideType.clone(narrow));
    });
    rewriter.replaceOpWithNewOp<CastOp>(op, wideType, narrowOp->getResult(0));
    return success();
  }
  ConstantConverter &constants;
  const llvm::DenseSet<Operation *> &keepWide;
};

/// Whether `value` reaches a narrowing cast (where a product reads it)
/// through ops that compute narrow: only then does keeping it narrow save
/// bytes; a value bound for a softmax or a reduction alone would only be
/// rounded once more.
bool reachesNarrowing(Value value, llvm::SmallPtrSetImpl<Operation *> &seen) {
  for (Operation *user : value.getUsers()) {
    if (!seen.insert(user).second)
      continue;
    // To 16 bits, or to float8 (an fp8 product's quantization).
    if (auto cast = dyn_cast<CastOp>(user);
        cast &&
        (floatWidth(cast.getType()) == 16 || floatWidth(cast.getType()) == 8))
      return true;
    if (computesNarrow(user) &&
        llvm::any_of(user->getResults(), [&](Value result) {
          return reachesNarrowing(result, seen);
        }))
      return true;
  }
  return false;
}

/// With narrow activations: the f32 result of the narrowed product `op`
/// is rounded to `narrow` and widened again for its readers, when it
/// reaches a narrowing cast through ops that compute narrow
/// (SinkWideningCast then moves the widening down to the ops that need
/// f32). The rounding belongs to the product's kernel.
void roundProductResult(RewriterBase &rewriter, Operation *op, Type narrow) {
  Value result = op->getResult(0);
  llvm::SmallPtrSet<Operation *, 16> seen;
  if (!isF32Tensor(result) || !reachesNarrowing(result, seen))
    return;
  rewriter.setInsertionPointAfter(op);
  auto type = cast<RankedTensorType>(result.getType());
  Value rounded =
      CastOp::create(rewriter, op->getLoc(), type.clone(narrow), result);
  Value widened = CastOp::create(rewriter, op->getLoc(), type, rounded);
  rewriter.replaceAllUsesExcept(result, widened, rounded.getDefiningOp());
}

//===----------------------------------------------------------------------===//
// The report
//===----------------------------------------------------------------------===//

/// "fp32", "fp16", "bf16", "fp64", or the integer type ("i64", "i1", ...).
std::string precisionName(Type element) {
  if (auto f = dyn_cast<FloatType>(element))
    return element.isBF16() ? "bf16" : "fp" + std::to_string(f.getWidth());
  std::string name;
  llvm::raw_string_ostream os(name);
  element.print(os);
  return name;
}

/// The precision an op computes in: its contraction operands' for a
/// mixed-precision product, else its first result's element type.
llvm::json::Object describe(Operation *op) {
  llvm::json::Object entry{{"node", nodeNames(op->getLoc())},
                           {"op", op->getName().stripDialect().str()}};
  std::optional<Type> accumulator = accumulatorOf(op);
  Type element = accumulator ? getElementTypeOrSelf(op->getOperand(0).getType())
                             : getElementTypeOrSelf(op->getResult(0).getType());
  entry["precision"] = precisionName(element);
  if (accumulator)
    entry["accumulator"] = precisionName(*accumulator);
  return entry;
}

/// An int8 product: its activation's range, scale and zero point, its
/// weights' per-channel scale range; an fp8 one: its activation's range and
/// scale, its weight's scale.
llvm::json::Object describeQuantized(Operation *op, const Int8Choice &choice) {
  llvm::json::Object entry{{"node", nodeNames(op->getLoc())},
                           {"op", op->getName().stripDialect().str()},
                           {"precision", choice.float8 ? "fp8" : "int8"},
                           {"accumulator", choice.float8 ? "fp32" : "int32"},
                           {"calibration", choice.point},
                           {"input_min", choice.min},
                           {"input_max", choice.max},
                           {"input_scale", choice.inputScale}};
  if (choice.float8) {
    entry["weight_scale"] = choice.minWeightScale;
    return entry;
  }
  entry["input_zero_point"] = choice.zeroPoint;
  entry["weight_scale_min"] = choice.minWeightScale;
  entry["weight_scale_max"] = choice.maxWeightScale;
  return entry;
}

/// The accuracy budget's measurements (AccuracyBudget.cpp's JSON): the
/// summary, and each measured layer by node name.
struct BudgetMeasurements {
  llvm::json::Object summary;
  llvm::StringMap<llvm::json::Object> layers;
};

FailureOr<BudgetMeasurements> readBudgetMeasurements(StringRef path,
                                                     Location loc) {
  auto buffer = llvm::MemoryBuffer::getFile(path);
  llvm::Expected<llvm::json::Value> json =
      buffer ? llvm::json::parse((*buffer)->getBuffer())
             : llvm::json::Value(nullptr);
  if (!json) {
    llvm::consumeError(json.takeError());
    return emitError(loc) << "malformed accuracy budget file '" << path << "'";
  }
  llvm::json::Object *root = json->getAsObject();
  if (!root)
    return emitError(loc) << "cannot read the accuracy budget file '" << path
                          << "'";
  BudgetMeasurements measurements;
  if (llvm::json::Array *layers = root->getArray("layers"))
    for (llvm::json::Value &layer : *layers)
      if (llvm::json::Object *object = layer.getAsObject())
        measurements.layers[object->getString("node").value_or("")] =
            std::move(*object);
  root->erase("layers");
  measurements.summary = std::move(*root);
  return measurements;
}

/// Adds the budget's measurement of `entry`'s node, if any.
void addMeasurement(llvm::json::Object &entry,
                    const BudgetMeasurements *budget) {
  if (!budget)
    return;
  auto it = budget->layers.find(*entry.getString("node"));
  if (it == budget->layers.end())
    return;
  const llvm::json::Object &layer = it->second;
  entry["error_alone"] =
      llvm::json::Object{{"cosine", *layer.getNumber("cosine")},
                         {"rel_error", *layer.getNumber("rel_error")},
                         {"error", *layer.getNumber("error")}};
  entry["sensitivity_rank"] = *layer.getInteger("rank");
  entry["kept_by_budget"] = *layer.getBoolean("kept");
}

LogicalResult writeText(StringRef path, StringRef text, Location loc,
                        StringRef what) {
  std::error_code error;
  llvm::raw_fd_ostream os(path, error, llvm::sys::fs::OF_Text);
  if (error)
    return emitError(loc) << "cannot write the " << what << " '" << path
                          << "': " << error.message();
  os << text;
  return success();
}

/// Writes the precision of every op of `module` (constants aside) to
/// `path`; the narrowing and widening casts are listed apart, under the node
/// whose value they convert. The quantize and dequantize ops around an int8
/// product are the product's (`int8`). With the accuracy budget's
/// measurements, each measured node gets its error alone, rank and whether
/// the budget kept it, and the report an `accuracy_budget` summary; with a
/// `picture` path, the report is drawn there as SVG.
LogicalResult writeReport(ModuleOp module, StringRef precision, StringRef path,
                          const Int8Rewrites &int8,
                          const BudgetMeasurements *budget, StringRef picture) {
  llvm::json::Array nodes, casts;
  module.walk([&](Operation *op) {
    if (op->getNumResults() == 0 || op->hasTrait<OpTrait::ConstantLike>() ||
        !isa<AutoGLMDialect>(op->getDialect()) || isa<FusedOp>(op) ||
        int8.helpers.contains(op))
      return;
    if (auto it = int8.products.find(op); it != int8.products.end()) {
      llvm::json::Object entry = describeQuantized(op, it->second);
      addMeasurement(entry, budget);
      nodes.push_back(std::move(entry));
      return;
    }
    auto cast = dyn_cast<CastOp>(op);
    unsigned to = cast ? floatWidth(cast.getType()) : 0,
             from = cast ? floatWidth(cast.getInput().getType()) : 0;
    if (to && from) {
      casts.push_back(llvm::json::Object{
          {"node", nodeNames(op->getLoc())},
          {"to", precisionName(getElementTypeOrSelf(cast.getType()))}});
      return;
    }
    llvm::json::Object entry = describe(op);
    if (isa<MatMulOp, ConvOp, GatherOp>(op))
      addMeasurement(entry, budget);
    nodes.push_back(std::move(entry));
  });
  llvm::json::Object report{{"precision", precision},
                            {"nodes", std::move(nodes)},
                            {"casts", std::move(casts)}};
  if (budget)
    report["accuracy_budget"] = llvm::json::Object(budget->summary);
  if (!picture.empty() &&
      failed(writeText(picture, drawPrecisionReport(report), module.getLoc(),
                       "precision picture")))
    return failure();
  return writeText(
      path,
      llvm::formatv("{0:2}\n", llvm::json::Value(std::move(report))).str(),
      module.getLoc(), "precision report");
}

struct AssignPrecision : autoglm::impl::AssignPrecisionBase<AssignPrecision> {
  using AssignPrecisionBase::AssignPrecisionBase;

  void runOnOperation() override {
    MLIRContext *context = &getContext();
    Type narrow;
    Int8Rewrites int8;
    if (precision == "fp16")
      narrow = Float16Type::get(context);
    else if (precision == "bf16")
      narrow = BFloat16Type::get(context);
    else if (precision != "fp32" && precision != "int8" && precision != "fp8") {
      getOperation().emitError()
          << "unknown precision '" << precision
          << "' (expected fp32, fp16, bf16, int8 or fp8)";
      return signalPassFailure();
    }
    bool quantized = precision == "int8" || precision == "fp8";
    if (failed(markProducts()))
      return signalPassFailure();
    if (quantized && failed(quantize(int8)))
      return signalPassFailure();
    // On CUDA what int8 or fp8 leaves runs on f16 tensor cores, not in f32.
    if (quantized && int8Kernels == "cuda")
      narrow = Float16Type::get(context);
    if (narrow)
      assign(narrow, int8.helpers);
    clearPrecisionMarks(getOperation());
    if (report.empty())
      return;
    std::optional<BudgetMeasurements> budget;
    if (!sensitivity.empty()) {
      FailureOr<BudgetMeasurements> read =
          readBudgetMeasurements(sensitivity, getOperation().getLoc());
      if (failed(read))
        return signalPassFailure();
      budget = std::move(*read);
    }
    if (failed(writeReport(getOperation(), precision, report, int8,
                           budget ? &*budget : nullptr, picture)))
      return signalPassFailure();
  }

  /// The ops this precision lowers, in program order: the products, and
  /// for fp16/bf16 the embedding tables.
  SmallVector<Operation *> lowerableProducts() {
    SmallVector<Operation *> products;
    if (precision == "fp32")
      return products;
    getOperation().walk([&](Operation *op) {
      auto gather = dyn_cast<GatherOp>(op);
      if (precision == "int8" || precision == "fp8"
              ? isQuantizableProduct(op)
              : isContractionToNarrow(op) ||
                    (gather && isTableToNarrow(gather)))
        products.push_back(op);
    });
    return products;
  }

  /// Marks the products `keep` names, then, for the sensitivity build, puts
  /// a toggle on each of the others.
  LogicalResult markProducts() {
    if (keep.empty() && !toggles)
      return success();
    SmallVector<Operation *> products = lowerableProducts();
    if (failed(keepInFloat32(getOperation(), products, keep)))
      return failure();
    if (!toggles)
      return success();
    llvm::erase_if(products, isKeptInFloat32);
    return insertPrecisionToggles(getOperation(), products);
  }

  LogicalResult quantize(Int8Rewrites &int8) {
    ModuleOp module = getOperation();
    if (calibration.empty())
      return module.emitError()
             << "precision " << precision
             << " needs activation ranges: give "
                "--calibration-data=DIR (or the pass option calibration=FILE)";
    if (calibrator != "minmax" && calibrator != "percentile" &&
        calibrator != "entropy")
      return module.emitError() << "unknown calibrator '" << calibrator
                                << "' (expected minmax, percentile or entropy)";
    if (!(percentile > 0 && percentile <= 100))
      return module.emitError()
             << "the percentile must be in (0, 100], got " << percentile;
    if (int8Kernels != "cpu" && int8Kernels != "cuda")
      return module.emitError() << "unknown int8 kernels '" << int8Kernels
                                << "' (expected cpu or cuda)";
    FailureOr<CalibrationTable> table =
        readCalibrationTable(calibration, module.getLoc());
    if (failed(table))
      return failure();
    if (precision == "fp8")
      return quantizeProductsFloat8(module, *table, calibrator, percentile,
                                    int8);
    return quantizeProductsInt8(
        module, *table, calibrator, percentile,
        int8Kernels == "cuda" ? Int8Kernels::CUDA : Int8Kernels::CPU, int8);
  }

  void assign(Type narrow, const llvm::DenseSet<Operation *> &keepWide) {
    MLIRContext *context = &getContext();

    IRRewriter rewriter(context);
    ConstantConverter constants;
    SmallVector<Operation *> contractions;
    SmallVector<GatherOp> tables;
    getOperation().walk([&](Operation *op) {
      if (isContractionToNarrow(op))
        contractions.push_back(op);
      else if (auto gather = dyn_cast<GatherOp>(op);
               gather && isTableToNarrow(gather))
        tables.push_back(gather);
    });
    for (Operation *op : contractions)
      narrowContraction(rewriter, constants, op, narrow);
    for (GatherOp gather : tables)
      narrowGatherTable(rewriter, constants, gather, narrow);
    if (narrowActivations)
      getOperation().walk([&](Operation *op) {
        if (isNarrowedProduct(op))
          roundProductResult(rewriter, op, narrow);
      });

    RewritePatternSet patterns(context);
    patterns.add<CancelWidenThenNarrow>(context);
    patterns.add<NarrowConstant, HoistNarrowingCast>(context, constants);
    if (narrowActivations)
      patterns.add<SinkWideningCast>(context, constants, keepWide);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    // A value read by several products is narrowed once.
    eliminateCommonSubExpressions(rewriter, getAnalysis<DominanceInfo>(),
                                  getOperation());
  }
};
} // namespace
