//===- FoldConstants.cpp - --autoglm-fold-constants -----------------------===//
//
// Evaluates what can be known at compile time: ops whose operands are all
// constant (up to a size cap), shapes of statically shaped tensors, and
// batch normalizations with constant parameters, which disappear into the
// weights of the convolution or matmul before them. Then removes dead and
// duplicate ops. Every rewrite is reported (--print-optimization-report)
// with the ONNX node names it touched.
//
//===----------------------------------------------------------------------===//

#include "ConstantEvaluator.h"

#include "autoglm/Passes/Passes.h"
#include "autoglm/Passes/Report.h"

#include "mlir/IR/Dominance.h"
#include "mlir/IR/Iterators.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/CSE.h"

#include "llvm/ADT/StringExtras.h"

#include <cmath>

namespace mlir::autoglm {
#define GEN_PASS_DEF_FOLDCONSTANTS
#include "autoglm/Passes/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;
using namespace mlir::autoglm;

namespace {
/// The value of a constant-like op (autoglm.constant, arith.constant)
/// producing `value`, or null.
ElementsAttr constantOf(Value value) {
  Attribute attr;
  if (!value || !matchPattern(value, m_Constant(&attr)))
    return {};
  return dyn_cast<ElementsAttr>(attr);
}

std::optional<ConstTensor> readConstant(Value value) {
  if (ElementsAttr attr = constantOf(value))
    return ConstTensor::read(attr);
  return std::nullopt;
}

/// Resource blob names follow the node the value came from.
std::string blobNameFor(Location loc) {
  std::string name = "folded_";
  for (char c : nodeNames(loc))
    name.push_back(llvm::isAlnum(c) ? c : '_');
  return name;
}

Value createConstant(RewriterBase &rewriter, Location loc,
                     const ConstTensor &value) {
  ElementsAttr attr = value.toAttr(blobNameFor(loc));
  return ConstantOp::create(rewriter, loc, attr.getType(), attr);
}

/// True when every user accepts a more static operand type than before:
/// autoglm ops check operand types for compatibility, not equality;
/// func.return and calls need the exact type.
bool usersAcceptRefinedType(Value value) {
  return llvm::all_of(value.getUsers(), [](Operation *user) {
    return isa<AutoGLMDialect>(user->getDialect());
  });
}

/// Records what a rewrite did and keeps the pass statistics.
struct FoldConstantsPass : autoglm::impl::FoldConstantsBase<FoldConstantsPass> {
  using Base::Base;

  void runOnOperation() override;

private:
  void record(StringRef rule, ArrayRef<Location> locs) {
    recordRewrite(&getContext(), getArgument(), rule, locs);
  }
  EvalLimits limits() const {
    EvalLimits limits;
    limits.maxElements = maxElements;
    limits.maxMacs = maxElements * int64_t(64);
    return limits;
  }

  bool foldShapeOf(ShapeOfOp op, RewriterBase &rewriter);
  bool foldRange(RangeOp op, RewriterBase &rewriter);
  void refineResultTypes(Operation *op);
  Operation *foldShapeOperand(Operation *op, RewriterBase &rewriter);
  bool evaluateOp(Operation *op, RewriterBase &rewriter);
  bool foldBatchNorm(BatchNormOp bn, RewriterBase &rewriter);
  bool foldBatchNormIntoConv(BatchNormOp bn, ConvOp conv,
                             ArrayRef<double> scale, ArrayRef<double> shift,
                             RewriterBase &rewriter);
  bool foldBatchNormIntoMatMul(BatchNormOp bn, ArrayRef<double> scale,
                               ArrayRef<double> shift, RewriterBase &rewriter);
  void removeDeadAndDuplicateOps(RewriterBase &rewriter);
  void eraseDeadOps(RewriterBase &rewriter);
};

//===----------------------------------------------------------------------===//
// Shapes
//===----------------------------------------------------------------------===//

/// shape_of a statically shaped tensor is a constant, whatever the tensor.
bool FoldConstantsPass::foldShapeOf(ShapeOfOp op, RewriterBase &rewriter) {
  auto input = cast<RankedTensorType>(op.getInput().getType());
  auto type = cast<RankedTensorType>(op.getType());
  if (!input.hasStaticShape() || !type.hasStaticShape())
    return false;
  ConstTensor shape = ConstTensor::zeros(type);
  llvm::copy(input.getShape(), shape.ints.begin());
  Location loc = op.getLoc();
  rewriter.setInsertionPoint(op);
  rewriter.replaceOp(op, createConstant(rewriter, loc, shape));
  ++numShapes;
  record("shape-of-static-tensor", loc);
  return true;
}

/// range of constant scalars is a constant of static length (its declared
/// length is `?` when the importer did not know the bounds).
bool FoldConstantsPass::foldRange(RangeOp op, RewriterBase &rewriter) {
  std::optional<ConstTensor> start = readConstant(op.getStart()),
                             limit = readConstant(op.getLimit()),
                             delta = readConstant(op.getDelta());
  if (!start || !limit || !delta)
    return false;
  auto declared = cast<RankedTensorType>(op.getType());
  Type element = declared.getElementType();
  double s = start->asDouble(0), l = limit->asDouble(0), d = delta->asDouble(0);
  if (d == 0 || !std::isfinite(s) || !std::isfinite(l) || !std::isfinite(d))
    return false;
  // ONNX: max(ceil((limit - start) / delta), 0) elements.
  double count = std::max(0.0, std::ceil((l - s) / d));
  if (count > static_cast<double>(maxElements))
    return false;
  auto type = RankedTensorType::get({static_cast<int64_t>(count)}, element);
  if (!areCompatibleTypes(declared, type) ||
      (type != declared && !usersAcceptRefinedType(op.getResult())))
    return false;
  ConstTensor values = ConstTensor::zeros(type);
  for (int64_t i = 0; i < type.getNumElements(); ++i) {
    // start + i * delta, accumulated as ONNX's reference does it.
    if (values.isFloat())
      values.floats[i] =
          roundToFloatType(s + static_cast<double>(i) * d, element);
    else
      values.ints[i] = start->ints[0] + i * delta->ints[0];
  }
  Location loc = op.getLoc();
  rewriter.setInsertionPoint(op);
  rewriter.replaceOp(op, createConstant(rewriter, loc, values));
  ++numShapes;
  record("range-of-constants", loc);
  return true;
}

/// Once its operands are more static (a range folded to its length, a
/// reshape to a constant shape), an op's result types may be too: they are
/// refined by the op's type inference where every user accepts that.
void FoldConstantsPass::refineResultTypes(Operation *op) {
  auto inferrable = dyn_cast<InferTypeOpInterface>(op);
  if (!inferrable || !isa<AutoGLMDialect>(op->getDialect()))
    return;
  SmallVector<Type> inferred;
  if (failed(inferrable.inferReturnTypes(
          op->getContext(), std::nullopt, op->getOperands(),
          op->getRawDictionaryAttrs(), op->getPropertiesStorage(),
          op->getRegions(), inferred)) ||
      inferred.size() != op->getNumResults())
    return;
  for (auto [result, type] : llvm::zip(op->getResults(), inferred)) {
    auto declared = dyn_cast<RankedTensorType>(result.getType());
    auto computed = dyn_cast<RankedTensorType>(type);
    if (!declared || !computed || declared.hasStaticShape() ||
        declared.getRank() != computed.getRank() ||
        !areCompatibleTypes(declared, computed) ||
        !usersAcceptRefinedType(result))
      continue;
    SmallVector<int64_t> dims(declared.getShape());
    for (auto [dim, other] : llvm::zip(dims, computed.getShape()))
      if (ShapedType::isDynamic(dim))
        dim = other;
    result.setType(declared.clone(dims));
  }
}

/// The static result shape that a constant `shape` operand gives `op`
/// (ONNX Reshape, Expand and ConstantOfShape semantics), or nullopt.
std::optional<SmallVector<int64_t>> staticShapeFrom(Operation *op,
                                                    const ConstTensor &shape) {
  SmallVector<int64_t> dims(shape.ints.begin(), shape.ints.end());
  if (auto reshape = dyn_cast<ReshapeOp>(op)) {
    auto input = cast<RankedTensorType>(reshape.getInput().getType());
    if (!input.hasStaticShape())
      return std::nullopt;
    int64_t known = 1, inferred = -1;
    for (auto [i, dim] : llvm::enumerate(dims)) {
      if (dim == 0 && (int64_t)i < input.getRank())
        dim = input.getDimSize(i);
      if (dim == -1 && inferred < 0) {
        inferred = i;
        continue;
      }
      if (dim < 0)
        return std::nullopt;
      known *= dim;
    }
    if (inferred >= 0) {
      if (known == 0 || input.getNumElements() % known)
        return std::nullopt;
      dims[inferred] = input.getNumElements() / known;
    } else if (known != input.getNumElements()) {
      return std::nullopt;
    }
    return dims;
  }
  if (auto expand = dyn_cast<ExpandOp>(op)) {
    auto input = cast<RankedTensorType>(expand.getInput().getType());
    if (!input.hasStaticShape())
      return std::nullopt;
    // numpy broadcast of the input shape and `shape`.
    ArrayRef<int64_t> in = input.getShape();
    size_t rank = std::max(in.size(), dims.size());
    SmallVector<int64_t> result(rank);
    for (size_t i = 0; i < rank; ++i) {
      int64_t a = i < rank - in.size() ? 1 : in[i - (rank - in.size())];
      int64_t b = i < rank - dims.size() ? 1 : dims[i - (rank - dims.size())];
      if (a != b && a != 1 && b != 1)
        return std::nullopt;
      result[i] = a == 1 ? b : a;
    }
    return result;
  }
  if (isa<FillOp>(op)) {
    if (llvm::any_of(dims, [](int64_t d) { return d < 0; }))
      return std::nullopt;
    return dims;
  }
  return std::nullopt;
}

/// reshape/expand/fill whose run-time shape operand is a constant become
/// their static form (the shape in the result type). Returns the new op.
Operation *FoldConstantsPass::foldShapeOperand(Operation *op,
                                               RewriterBase &rewriter) {
  if (!isa<ReshapeOp, ExpandOp, FillOp>(op) || op->getNumOperands() == 0 ||
      (isa<ReshapeOp, ExpandOp>(op) && op->getNumOperands() != 2))
    return nullptr;
  std::optional<ConstTensor> shape = readConstant(op->getOperands().back());
  if (!shape)
    return nullptr;
  std::optional<SmallVector<int64_t>> dims = staticShapeFrom(op, *shape);
  auto declared = cast<RankedTensorType>(op->getResult(0).getType());
  if (!dims)
    return nullptr;
  auto type = RankedTensorType::get(*dims, declared.getElementType());
  // The shape must agree with what the IR already says; a more static type
  // only where the users accept it.
  if (!areCompatibleTypes(declared, type) ||
      (type != declared && !usersAcceptRefinedType(op->getResult(0))))
    return nullptr;
  rewriter.setInsertionPoint(op);
  Operation *replacement = rewriter.clone(*op);
  replacement->eraseOperand(op->getNumOperands() - 1);
  replacement->getResult(0).setType(type);
  rewriter.replaceOp(op, replacement->getResults());
  ++numShapes;
  record("constant-shape-operand", replacement->getLoc());
  return replacement;
}

//===----------------------------------------------------------------------===//
// Evaluation
//===----------------------------------------------------------------------===//

bool FoldConstantsPass::evaluateOp(Operation *op, RewriterBase &rewriter) {
  if (!isa<AutoGLMDialect>(op->getDialect()) || isa<ConstantOp>(op) ||
      op->getNumRegions() > 0 || !isPure(op))
    return false;
  SmallVector<ConstTensor> operands;
  SmallVector<Attribute> attrs;
  for (Value operand : op->getOperands()) {
    ElementsAttr attr = constantOf(operand);
    if (!attr)
      return false;
    std::optional<ConstTensor> tensor = ConstTensor::read(attr);
    if (!tensor)
      return false;
    operands.push_back(std::move(*tensor));
    attrs.push_back(attr);
  }

  SmallVector<ConstTensor> results;
  switch (evaluate(op, operands, limits(), results)) {
  case EvalStatus::Done:
    break;
  case EvalStatus::TooLarge:
    ++numTooLarge;
    record("not-folded-over-max-elements", op->getLoc());
    return false;
  case EvalStatus::Undefined:
    record("not-folded-undefined-at-compile-time", op->getLoc());
    return false;
  case EvalStatus::Unsupported:
    return false;
  }

  rewriter.setInsertionPoint(op);
  SmallVector<Value> replacements;
  for (const ConstTensor &result : results)
    replacements.push_back(createConstant(rewriter, op->getLoc(), result));
  std::string rule = ("evaluate-" + op->getName().stripDialect()).str();
  record(rule, op->getLoc());
  rewriter.replaceOp(op, replacements);
  ++numEvaluated;
  return true;
}

//===----------------------------------------------------------------------===//
// BatchNormalization into the producer's weights
//===----------------------------------------------------------------------===//

/// y = (x - mean) / sqrt(var + eps) * gamma + beta = x * scale + shift per
/// channel, so a producer linear in its weights absorbs it:
/// W' = W * scale along the output channel, b' = b * scale + shift.
bool FoldConstantsPass::foldBatchNorm(BatchNormOp bn, RewriterBase &rewriter) {
  std::optional<ConstTensor> gamma = readConstant(bn.getScale()),
                             beta = readConstant(bn.getBias()),
                             mean = readConstant(bn.getMean()),
                             variance = readConstant(bn.getVariance());
  if (!gamma || !beta || !mean || !variance)
    return false;
  int64_t channels = gamma->size();
  if (beta->size() != channels || mean->size() != channels ||
      variance->size() != channels)
    return false;
  double epsilon = bn.getEpsilon().convertToDouble();
  SmallVector<double> scale(channels), shift(channels);
  for (int64_t c = 0; c < channels; ++c) {
    scale[c] = gamma->floats[c] / std::sqrt(variance->floats[c] + epsilon);
    shift[c] = beta->floats[c] - mean->floats[c] * scale[c];
  }
  if (auto conv = bn.getInput().getDefiningOp<ConvOp>())
    return foldBatchNormIntoConv(bn, conv, scale, shift, rewriter);
  return foldBatchNormIntoMatMul(bn, scale, shift, rewriter);
}

bool FoldConstantsPass::foldBatchNormIntoConv(BatchNormOp bn, ConvOp conv,
                                              ArrayRef<double> scale,
                                              ArrayRef<double> shift,
                                              RewriterBase &rewriter) {
  // Another user of the convolution needs its result without the norm.
  if (!conv->hasOneUse()) {
    record("batch-norm-not-folded-conv-has-other-users",
           {conv.getLoc(), bn.getLoc()});
    return false;
  }
  std::optional<ConstTensor> weight = readConstant(conv.getWeight());
  std::optional<ConstTensor> bias;
  if (conv.getBias() && !(bias = readConstant(conv.getBias())))
    return false;
  int64_t channels = scale.size();
  if (!weight || weight->type.getRank() < 1 ||
      weight->type.getDimSize(0) != channels ||
      (bias && bias->size() != channels))
    return false;

  // Weights are O x C/groups x K...: output channel o owns a contiguous run.
  int64_t perChannel = weight->size() / channels;
  for (int64_t i = 0; i < weight->size(); ++i)
    weight->floats[i] *= scale[i / perChannel];
  Type element = weight->type.getElementType();
  ConstTensor newBias =
      ConstTensor::zeros(RankedTensorType::get({channels}, element));
  for (int64_t c = 0; c < channels; ++c)
    newBias.floats[c] = (bias ? bias->floats[c] : 0.0) * scale[c] + shift[c];

  Location loc = FusedLoc::get(&getContext(), {conv.getLoc(), bn.getLoc()});
  rewriter.setInsertionPoint(conv);
  Value newWeight = createConstant(rewriter, loc, *weight);
  Value biasValue = createConstant(rewriter, loc, newBias);
  Operation *folded = rewriter.clone(*conv);
  folded->setLoc(loc);
  folded->setOperand(1, newWeight);
  if (conv.getBias())
    folded->setOperand(2, biasValue);
  else
    folded->insertOperands(2, biasValue);
  folded->getResult(0).setType(bn.getType());
  // Recorded first: the ops are gone after the replacement.
  record("batch-norm-into-conv", {conv.getLoc(), bn.getLoc()});
  rewriter.replaceOp(bn, folded->getResults());
  rewriter.eraseOp(conv);
  ++numBatchNorms;
  return true;
}

/// bn(matmul(x, W)) and bn(matmul(x, W) + c) on a matrix [M, N], with the
/// norm's channels the matmul's output columns N, become
/// matmul(x, W') + c'.
bool FoldConstantsPass::foldBatchNormIntoMatMul(BatchNormOp bn,
                                                ArrayRef<double> scale,
                                                ArrayRef<double> shift,
                                                RewriterBase &rewriter) {
  Value input = bn.getInput();
  auto add = input.getDefiningOp<AddOp>();
  MatMulOp matmul = add ? nullptr : input.getDefiningOp<MatMulOp>();
  Value addend;
  if (add) {
    for (auto [mine, other] : {std::pair(add.getLhs(), add.getRhs()),
                               std::pair(add.getRhs(), add.getLhs())})
      if (auto producer = mine.getDefiningOp<MatMulOp>();
          producer && constantOf(other)) {
        matmul = producer;
        addend = other;
        break;
      }
  }
  if (!matmul)
    return false;
  auto resultType = cast<RankedTensorType>(matmul.getType());
  int64_t channels = scale.size();
  std::optional<ConstTensor> weight = readConstant(matmul.getRhs());
  std::optional<ConstTensor> bias;
  if (addend)
    bias = readConstant(addend);
  // Only a matrix result has the norm's channels (dimension 1) as its
  // output columns; the bias must be per column (or one value).
  if (resultType.getRank() != 2 || resultType.getDimSize(1) != channels ||
      !weight || weight->type.getRank() != 2 ||
      weight->type.getDimSize(1) != channels ||
      (addend &&
       (!bias || cast<RankedTensorType>(add.getType()) != resultType ||
        !(bias->size() == 1 || (bias->size() == channels &&
                                bias->type.getShape().back() == channels)))))
    return false;
  if (!matmul->hasOneUse() || (add && !add->hasOneUse())) {
    record("batch-norm-not-folded-matmul-has-other-users",
           {matmul.getLoc(), bn.getLoc()});
    return false;
  }

  for (int64_t i = 0; i < weight->size(); ++i)
    weight->floats[i] *= scale[i % channels];
  Type element = weight->type.getElementType();
  ConstTensor newBias =
      ConstTensor::zeros(RankedTensorType::get({channels}, element));
  for (int64_t c = 0; c < channels; ++c) {
    double b = bias ? bias->floats[bias->size() == 1 ? 0 : c] : 0.0;
    newBias.floats[c] = b * scale[c] + shift[c];
  }

  SmallVector<Location> locs = {matmul.getLoc()};
  if (add)
    locs.push_back(add.getLoc());
  locs.push_back(bn.getLoc());
  Location loc = FusedLoc::get(&getContext(), locs);
  rewriter.setInsertionPoint(bn);
  Value newWeight = createConstant(rewriter, loc, *weight);
  Value biasValue = createConstant(rewriter, loc, newBias);
  Value product =
      MatMulOp::create(rewriter, matmul.getLoc(), matmul.getLhs(), newWeight);
  auto sum = AddOp::create(rewriter, loc, product, biasValue);
  sum.getResult().setType(bn.getType());
  rewriter.replaceOp(bn, sum.getResult());
  if (add)
    rewriter.eraseOp(add);
  rewriter.eraseOp(matmul);
  ++numBatchNorms;
  record("batch-norm-into-matmul", locs);
  return true;
}

//===----------------------------------------------------------------------===//
// Dead and duplicate ops
//===----------------------------------------------------------------------===//

/// Reports the erased ops that did work (not constants) under `rule`.
struct ErasureReporter : RewriterBase::Listener {
  ErasureReporter(function_ref<void(Operation *)> onErase) : onErase(onErase) {}
  void notifyOperationErased(Operation *op) override { onErase(op); }
  function_ref<void(Operation *)> onErase;
};

void FoldConstantsPass::removeDeadAndDuplicateOps(RewriterBase &rewriter) {
  ModuleOp module = getOperation();
  // Dead ops first: upstream CSE also erases them, and what it erases
  // afterwards are then only duplicates.
  eraseDeadOps(rewriter);
  if (cse) {
    auto onErase = [&](Operation *op) {
      ++numDuplicates;
      if (!matchPattern(op, m_Constant()))
        record("duplicate-removed", op->getLoc());
    };
    ErasureReporter reporter(onErase);
    IRRewriter cseRewriter(&getContext(), &reporter);
    DominanceInfo dominance(module);
    eliminateCommonSubExpressions(cseRewriter, dominance, module);
  }
}

void FoldConstantsPass::eraseDeadOps(RewriterBase &rewriter) {
  ModuleOp module = getOperation();
  // Users before producers, so that a whole dead chain goes in one sweep.
  SmallVector<Operation *> ops;
  module.walk<WalkOrder::PostOrder, ReverseIterator>([&](Operation *op) {
    if (op != module)
      ops.push_back(op);
  });
  for (Operation *op : ops) {
    if (!isOpTriviallyDead(op))
      continue;
    if (!matchPattern(op, m_Constant()))
      record("dead-op-removed", op->getLoc());
    rewriter.eraseOp(op);
    ++numDead;
  }
}

void FoldConstantsPass::runOnOperation() {
  ModuleOp module = getOperation();
  IRRewriter rewriter(&getContext());

  // One sweep in program order: producers fold before their users, which
  // then see constant operands.
  SmallVector<Operation *> ops;
  module.walk([&](Operation *op) { ops.push_back(op); });
  for (Operation *op : ops) {
    if (auto shapeOf = dyn_cast<ShapeOfOp>(op);
        shapeOf && foldShapeOf(shapeOf, rewriter))
      continue;
    if (auto range = dyn_cast<RangeOp>(op); range && foldRange(range, rewriter))
      continue;
    refineResultTypes(op);
    if (Operation *replacement = foldShapeOperand(op, rewriter))
      op = replacement; // now maybe all-constant
    evaluateOp(op, rewriter);
  }

  if (foldBatchNorms) {
    SmallVector<BatchNormOp> norms;
    module.walk([&](BatchNormOp bn) { norms.push_back(bn); });
    for (BatchNormOp bn : norms)
      foldBatchNorm(bn, rewriter);
  }

  removeDeadAndDuplicateOps(rewriter);
}
} // namespace
