//===- RowCopies.cpp - copies of rows of run-time length as vectors -------===//
//
// A convolution's kernel tap is copied into its block's im2col panel
// (TileKernelRegions.cpp) as the part of the tap's rows that lies inside
// the image: how many rows and columns that is depends on the tap and the
// block, known at run time only, so --autoglm-vectorize-rows (static
// shapes) leaves the copy a scalar loop nest. With a stride of 2 along the
// row, LLVM copied it an element at a time (rows of 14: ResNet-50's
// stride-2 convolution to 14x14) or 4 at a time with a scalar remainder
// (rows of 28), 12-18% of such a convolution's time. Here each row is one
// masked read of the S-wide span per vector of output (two 512-bit loads
// for 16 floats at stride 2), a shuffle of every S-th lane (`vpermt2ps`),
// and one masked write: the convolutions alone took 2-4% less time, what
// is left of the copies being the panel's writes (docs/decisions.md).
//
//===----------------------------------------------------------------------===//

#include "RowCopies.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;

namespace {
/// The largest stride along a row read as a wide vector and shuffled.
constexpr int64_t kMaxRowStride = 4;

/// The static stride of `type`'s last dimension, if it has one.
std::optional<int64_t> lastStride(MemRefType type) {
  SmallVector<int64_t> strides;
  int64_t offset;
  if (type.getRank() == 0 ||
      failed(type.getStridesAndOffset(strides, offset)) ||
      ShapedType::isDynamic(strides.back()))
    return std::nullopt;
  return strides.back();
}

/// The copy's view of every S-th element of a unit-stride row, when `copy`
/// is one this rewrites: on buffers of one element type of whole bytes
/// that fits the vectors, some extent dynamic (static copies are vector rows
/// already), the target's rows contiguous.
memref::SubViewOp stridedRowSource(linalg::CopyOp copy, unsigned vectorBits) {
  if (!copy.hasPureBufferSemantics())
    return {};
  auto source = dyn_cast<MemRefType>(copy.getInputs()[0].getType());
  auto target = dyn_cast<MemRefType>(copy.getOutputs()[0].getType());
  if (!source || !target || source.getRank() != target.getRank() ||
      source.getRank() == 0 || source.hasStaticShape() ||
      source.getElementType() != target.getElementType() ||
      !source.getElementType().isIntOrFloat() ||
      // Whole bytes: a vector of i1 would be read as packed bits, where a
      // buffer of i1 holds a byte per element.
      source.getElementTypeBitWidth() % 8 != 0 ||
      vectorBits % source.getElementTypeBitWidth() != 0 ||
      lastStride(target) != 1)
    return {};
  auto view = copy.getInputs()[0].getDefiningOp<memref::SubViewOp>();
  if (!view || view.getSourceType().getRank() != source.getRank() ||
      lastStride(view.getSourceType()) != 1)
    return {};
  std::optional<int64_t> stride =
      getConstantIntValue(view.getMixedStrides().back());
  if (!stride || *stride < 1 || *stride > kMaxRowStride)
    return {};
  return view;
}

void rewriteCopy(RewriterBase &rewriter, linalg::CopyOp copy,
                 memref::SubViewOp view, unsigned vectorBits) {
  Location loc = copy.getLoc();
  MLIRContext *ctx = rewriter.getContext();
  Value target = copy.getOutputs()[0];
  auto type = cast<MemRefType>(target.getType());
  Type element = type.getElementType();
  int64_t rank = type.getRank();
  int64_t lanes = vectorBits / element.getIntOrFloatBitWidth();
  int64_t stride = *getConstantIntValue(view.getMixedStrides().back());
  rewriter.setInsertionPoint(copy);
  SmallVector<OpFoldResult> sizes =
      memref::getMixedSizes(rewriter, loc, target);
  OpFoldResult length = sizes.back();
  AffineExpr d0 = getAffineDimExpr(0, ctx), d1 = getAffineDimExpr(1, ctx);
  // The rows' unit-stride spans: from a row's first element read to its
  // last, stride * (length - 1) + 1 elements (none for an empty row).
  OpFoldResult span = affine::makeComposedFoldedAffineMax(
      rewriter, loc,
      AffineMap::get(
          1, 0, {getAffineConstantExpr(0, ctx), d0 * stride - (stride - 1)},
          ctx),
      {length});
  SmallVector<OpFoldResult> spanSizes(view.getMixedSizes());
  spanSizes.back() = span;
  SmallVector<OpFoldResult> spanStrides(view.getMixedStrides());
  spanStrides.back() = rewriter.getIndexAttr(1);
  Value spans =
      memref::SubViewOp::create(rewriter, loc, view.getSource(),
                                view.getMixedOffsets(), spanSizes, spanStrides);
  // A loop per dimension, the last one in steps of a vector.
  SmallVector<Value> indices;
  Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
  Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
  Value vectorStep = arith::ConstantIndexOp::create(rewriter, loc, lanes);
  Value padding =
      arith::ConstantOp::create(rewriter, loc, rewriter.getZeroAttr(element));
  SmallVector<Value> uppers =
      getValueOrCreateConstantIndexOp(rewriter, loc, sizes);
  for (int64_t d = 0; d < rank; ++d) {
    auto loop = scf::ForOp::create(rewriter, loc, zero, uppers[d],
                                   d + 1 == rank ? vectorStep : one);
    indices.push_back(loop.getInductionVar());
    rewriter.setInsertionPointToStart(loop.getBody());
  }
  Value column = indices.back();
  // This vector's elements: min(lanes, length - column).
  OpFoldResult count = affine::makeComposedFoldedAffineMin(
      rewriter, loc,
      AffineMap::get(2, 0, {getAffineConstantExpr(lanes, ctx), d0 - d1}, ctx),
      {length, column});
  OpFoldResult spanCount = affine::makeComposedFoldedAffineApply(
      rewriter, loc, d0 * stride - (stride - 1), {count});
  auto wideType = VectorType::get({lanes * stride}, element);
  auto wideMask = vector::CreateMaskOp::create(
      rewriter, loc, VectorType::get({lanes * stride}, rewriter.getI1Type()),
      ValueRange{getValueOrCreateConstantIndexOp(rewriter, loc, spanCount)});
  SmallVector<Value> spanIndices(indices);
  spanIndices.back() = affine::makeComposedAffineApply(
      rewriter, loc, d0 * stride, {OpFoldResult(column)});
  auto read = vector::TransferReadOp::create(
      rewriter, loc, wideType, spans, spanIndices,
      AffineMapAttr::get(AffineMap::getMinorIdentityMap(rank, 1, ctx)), padding,
      wideMask, rewriter.getBoolArrayAttr({true}));
  Value row = read.getResult();
  if (stride > 1) {
    SmallVector<int64_t> every;
    for (int64_t i = 0; i < lanes; ++i)
      every.push_back(i * stride);
    row = vector::ShuffleOp::create(rewriter, loc, row, row, every);
  }
  auto mask = vector::CreateMaskOp::create(
      rewriter, loc, VectorType::get({lanes}, rewriter.getI1Type()),
      ValueRange{getValueOrCreateConstantIndexOp(rewriter, loc, count)});
  vector::TransferWriteOp::create(
      rewriter, loc, row, target, indices,
      AffineMapAttr::get(AffineMap::getMinorIdentityMap(rank, 1, ctx)), mask,
      rewriter.getBoolArrayAttr({true}));
  rewriter.eraseOp(copy);
  if (view->use_empty())
    rewriter.eraseOp(view);
}
} // namespace

void mlir::autoglm::vectorizeRowCopies(RewriterBase &rewriter,
                                       func::FuncOp func, unsigned vectorBits) {
  SmallVector<std::pair<linalg::CopyOp, memref::SubViewOp>> copies;
  func.walk([&](linalg::CopyOp copy) {
    if (memref::SubViewOp view = stridedRowSource(copy, vectorBits))
      copies.push_back({copy, view});
  });
  for (auto [copy, view] : copies)
    rewriteCopy(rewriter, copy, view, vectorBits);
}
