//===- MergeSiblingMatMuls.cpp - --autoglm-merge-sibling-matmuls ----------===//
//
// A transformer layer multiplies one activation by three weight matrices
// (the query, key and value projections): three products that each read the
// activation, and, on a GPU at small batches, three library calls that
// each leave most of the machine idle. With the weights side by side they
// are one product:
//
//   %q = autoglm.matmul %x, %wq      %qkv = autoglm.matmul %x, concat(%wq, %wk,
//   %wv) %k = autoglm.matmul %x, %wk  =>  %q = autoglm.slice %qkv [.., 0:N] %v
//   = autoglm.matmul %x, %wv      %k = autoglm.slice %qkv [.., N:2N] ...
//
// The concatenation is made at compile time (the weights' bytes are only
// rearranged, the total unchanged) and each old result is a slice of the
// new one, a view that the backends read in place. Products merge when
// they share the left operand, their right operands are 2-D constants of
// one element type with the same number of rows, and their accumulator
// types agree; with the `int8` option (CUDA) int8 products too, each slice
// of the merged int32 result then dequantized by its own scales. It runs after
// fusion: a product that fusion gave an epilogue (a bias computed in its
// loop, as on the CPU) is inside a fused region and stays as it is.
//
//===----------------------------------------------------------------------===//

#include "ConstantEvaluator.h"

#include "autoglm/Dialect/AutoGLM.h"
#include "autoglm/Passes/Passes.h"
#include "autoglm/Passes/Report.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

#include "llvm/ADT/MapVector.h"

namespace mlir::autoglm {
#define GEN_PASS_DEF_MERGESIBLINGMATMULS
#include "autoglm/Passes/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;
using namespace mlir::autoglm;

namespace {
/// The constant weights of `matmul` when it can join a merge: a 2-D float
/// (or, with `int8`, int8) constant right operand; null otherwise.
ElementsAttr mergeableWeights(MatMulOp matmul, bool int8) {
  auto type = dyn_cast<RankedTensorType>(matmul.getRhs().getType());
  ElementsAttr weights;
  if (!type || type.getRank() != 2 || !type.hasStaticShape() ||
      !(isa<FloatType>(type.getElementType()) ||
        (int8 && type.getElementType().isInteger(8))) ||
      !matchPattern(matmul.getRhs(), m_Constant(&weights)))
    return {};
  auto result = dyn_cast<RankedTensorType>(matmul.getType());
  if (!result || !result.hasStaticShape())
    return {};
  return weights;
}

/// Whether `a` and `b` compute alike on their own weights: one element
/// type, the same rows (K), the same accumulator and scale (float8).
bool sameKind(MatMulOp a, MatMulOp b) {
  auto ta = cast<RankedTensorType>(a.getRhs().getType());
  auto tb = cast<RankedTensorType>(b.getRhs().getType());
  return ta.getElementType() == tb.getElementType() &&
         ta.getDimSize(0) == tb.getDimSize(0) &&
         a.getAccumulatorTypeAttr() == b.getAccumulatorTypeAttr() &&
         a.getScaleAttr() == b.getScaleAttr() &&
         getElementTypeOrSelf(a.getType()) == getElementTypeOrSelf(b.getType());
}

/// The weights of `group`, side by side: `K x (N1 + N2 + ...)`; null when
/// one cannot be read.
ElementsAttr concatenateWeights(MutableArrayRef<MatMulOp> group) {
  auto first = cast<RankedTensorType>(group.front().getRhs().getType());
  int64_t rows = first.getDimSize(0), columns = 0;
  SmallVector<ConstTensor> parts;
  for (MatMulOp matmul : group) {
    ElementsAttr weights = mergeableWeights(matmul, /*int8=*/true);
    std::optional<ConstTensor> part = ConstTensor::read(weights);
    if (!part)
      return {};
    columns += part->type.getDimSize(1);
    parts.push_back(std::move(*part));
  }
  ConstTensor merged = ConstTensor::zeros(
      RankedTensorType::get({rows, columns}, first.getElementType()));
  int64_t offset = 0;
  for (const ConstTensor &part : parts) {
    int64_t n = part.type.getDimSize(1);
    for (int64_t k = 0; k < rows; ++k) {
      if (merged.isFloat())
        std::copy_n(part.floats.begin() + k * n, n,
                    merged.floats.begin() + k * columns + offset);
      else
        std::copy_n(part.ints.begin() + k * n, n,
                    merged.ints.begin() + k * columns + offset);
    }
    offset += n;
  }
  return merged.toAttr("merged_weights");
}

/// Replaces the products of `group` (sharing their left operand) by one
/// product of their weights side by side and a slice of it for each.
void merge(RewriterBase &rewriter, MutableArrayRef<MatMulOp> group) {
  ElementsAttr weights = concatenateWeights(group);
  if (!weights)
    return;
  // After the last product's operands, before the first product's users:
  // the first product's position, since they share the left operand and
  // their weights are constants.
  MatMulOp first = group.front();
  for (MatMulOp matmul : group)
    if (matmul->isBeforeInBlock(first))
      first = matmul;
  rewriter.setInsertionPoint(first);
  SmallVector<Location> locs =
      llvm::map_to_vector(group, [](MatMulOp op) { return op.getLoc(); });
  Location loc = rewriter.getFusedLoc(locs);
  Value rhs = ConstantOp::create(rewriter, loc, weights);
  auto result = cast<RankedTensorType>(first.getType());
  SmallVector<int64_t> shape(result.getShape());
  shape.back() = cast<RankedTensorType>(weights.getType()).getDimSize(1);
  auto product = MatMulOp::create(
      rewriter, loc, RankedTensorType::get(shape, result.getElementType()),
      first.getLhs(), rhs, first.getAccumulatorTypeAttr(),
      first.getScaleAttr());
  // Every slice before any product is replaced: the insertion point is the
  // first product, which replacing erases.
  int64_t rank = static_cast<int64_t>(shape.size()), offset = 0;
  SmallVector<Value> slices;
  for (MatMulOp matmul : group) {
    auto type = cast<RankedTensorType>(matmul.getType());
    SmallVector<int64_t> starts(rank, 0), ends(type.getShape()), steps(rank, 1);
    starts.back() = offset;
    ends.back() = offset + type.getShape().back();
    offset = ends.back();
    slices.push_back(SliceOp::create(rewriter, matmul.getLoc(), type, product,
                                     starts, ends, steps)
                         .getResult());
  }
  for (auto [matmul, slice] : llvm::zip(group, slices)) {
    Operation *weightsOp = matmul.getRhs().getDefiningOp();
    rewriter.replaceOp(matmul, slice);
    if (weightsOp && weightsOp->use_empty())
      rewriter.eraseOp(weightsOp);
  }
  recordRewrite(rewriter.getContext(), "merge-sibling-matmuls",
                "matmuls-sharing-an-input", locs);
}

struct MergeSiblingMatMulsPass
    : autoglm::impl::MergeSiblingMatMulsBase<MergeSiblingMatMulsPass> {
  using MergeSiblingMatMulsBase::MergeSiblingMatMulsBase;

  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    // The products of each left operand, in program order.
    llvm::MapVector<Value, SmallVector<MatMulOp>> byInput;
    // Products inside a fused region have their epilogue there: they stay.
    for (auto matmul : getOperation().getBody().getOps<MatMulOp>())
      if (mergeableWeights(matmul, int8))
        byInput[matmul.getLhs()].push_back(matmul);
    for (auto &[input, matmuls] : byInput) {
      // Groups of products of one kind; each group of two or more merges.
      SmallVector<SmallVector<MatMulOp>> groups;
      for (MatMulOp matmul : matmuls) {
        auto group = llvm::find_if(groups, [&](SmallVector<MatMulOp> &g) {
          return sameKind(g.front(), matmul) &&
                 g.front()->getBlock() == matmul->getBlock();
        });
        if (group == groups.end())
          groups.push_back({matmul});
        else
          group->push_back(matmul);
      }
      for (SmallVector<MatMulOp> &group : groups)
        if (group.size() > 1)
          merge(rewriter, group);
    }
  }
};
} // namespace
