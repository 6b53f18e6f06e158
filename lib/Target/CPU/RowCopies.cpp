//===- RowCopies.cpp - copies of rows of run-time length as vectors -------===//
//
// A convolution's kernel tap is copied into its block's im2col panel
// (TileKernelRegions.cpp) as the part of the tap's rows that lies inside
// the image: how many rows and columns that is depends on the tap and the
// block, known at run time only, so --autoglm-vectorize-rows (static
// shapes) leaves the copy a scalar loop nest. With a stride of 2 along the
// row, LLVM copied it an element at a time (rows of 14: ResNet-50's
// stride-2 convolution to 14x14) or 4 at a time with a scalar remainder
// (rows of 28), 12-18% of such a convolution's time. Here each row is a
// vector width at a time: a read masked to the row's end and a masked
// write. The vector rows' lowering of strided reads then makes a read one
// masked load of the span its lanes cover (two 512-bit loads for 16 floats
// at stride 2) and a shuffle of every stride-th lane (`vpermt2ps`). The
// convolutions alone took 2-4% less time, what is left of the copies being
// the panel's writes (docs/decisions.md).
//
//===----------------------------------------------------------------------===//

#include "RowCopies.h"

#include "VectorTransfers.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;

namespace {
/// Whether `copy` is one this rewrites: on buffers of one element type of
/// whole bytes that fits the vectors, some extent dynamic (static copies
/// are vector rows already), the source's rows every 1st to
/// kMaxRowStride-th element, the target's contiguous.
bool isRowCopy(linalg::CopyOp copy, unsigned vectorBits) {
  if (!copy.hasPureBufferSemantics())
    return false;
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
      autoglm::innerStride(target) != 1)
    return false;
  int64_t stride = autoglm::innerStride(source);
  return stride >= 1 && stride <= autoglm::kMaxRowStride;
}

void rewriteCopy(RewriterBase &rewriter, linalg::CopyOp copy,
                 unsigned vectorBits) {
  Location loc = copy.getLoc();
  MLIRContext *ctx = rewriter.getContext();
  Value source = copy.getInputs()[0], target = copy.getOutputs()[0];
  auto type = cast<MemRefType>(target.getType());
  Type element = type.getElementType();
  int64_t rank = type.getRank();
  int64_t lanes = vectorBits / element.getIntOrFloatBitWidth();
  rewriter.setInsertionPoint(copy);
  SmallVector<OpFoldResult> sizes =
      memref::getMixedSizes(rewriter, loc, target);
  // A loop per dimension but the last.
  SmallVector<Value> indices;
  Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
  Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
  Value vectorStep = arith::ConstantIndexOp::create(rewriter, loc, lanes);
  Value padding =
      arith::ConstantOp::create(rewriter, loc, rewriter.getZeroAttr(element));
  SmallVector<Value> uppers =
      getValueOrCreateConstantIndexOp(rewriter, loc, sizes);
  for (int64_t d = 0; d + 1 < rank; ++d) {
    auto loop = scf::ForOp::create(rewriter, loc, zero, uppers[d], one);
    indices.push_back(loop.getInductionVar());
    rewriter.setInsertionPointToStart(loop.getBody());
  }
  auto rowMap =
      AffineMapAttr::get(AffineMap::getMinorIdentityMap(rank, 1, ctx));
  auto inBounds = rewriter.getBoolArrayAttr({true});
  auto vectorType = VectorType::get({lanes}, element);
  // One vector of the row from `column`, masked to its first `count` lanes
  // where `count` is given.
  auto copyVector = [&](Value column, Value count) {
    SmallVector<Value> at(indices);
    at.push_back(column);
    Value mask;
    if (count)
      mask = vector::CreateMaskOp::create(
          rewriter, loc, VectorType::get({lanes}, rewriter.getI1Type()),
          ValueRange{count});
    Value row = vector::TransferReadOp::create(
        rewriter, loc, vectorType, source, at, rowMap, padding, mask, inBounds);
    vector::TransferWriteOp::create(rewriter, loc, row, target, at, rowMap,
                                    mask, inBounds);
  };
  // The row's whole vectors unmasked, then what is left of it: the last
  // whole vector's width ending at the row's end, unmasked too (its first
  // lanes copy again what the loop copied), or a masked vector where the
  // row is shorter than one. Masked stores are microcoded on AMD's AVX2
  // cores (about a quarter of a stride-2 convolution's time on Zen 3
  // with every vector masked).
  Value length = uppers.back();
  AffineExpr d0 = getAffineDimExpr(0, ctx);
  Value wholeEnd = affine::makeComposedAffineApply(
      rewriter, loc, d0.floorDiv(lanes) * lanes, {length});
  auto loop = scf::ForOp::create(rewriter, loc, zero, wholeEnd, vectorStep);
  rewriter.setInsertionPointToStart(loop.getBody());
  copyVector(loop.getInductionVar(), Value());
  rewriter.setInsertionPointAfter(loop);
  Value hasRest = arith::CmpIOp::create(
      rewriter, loc, arith::CmpIPredicate::ult, wholeEnd, length);
  auto ifRest = scf::IfOp::create(rewriter, loc, hasRest);
  rewriter.setInsertionPointToStart(ifRest.thenBlock());
  Value hasWhole = arith::CmpIOp::create(
      rewriter, loc, arith::CmpIPredicate::uge, length, vectorStep);
  auto ifWhole = scf::IfOp::create(rewriter, loc, hasWhole,
                                   /*withElseRegion=*/true);
  rewriter.setInsertionPointToStart(ifWhole.thenBlock());
  copyVector(arith::SubIOp::create(rewriter, loc, length, vectorStep), Value());
  rewriter.setInsertionPointToStart(ifWhole.elseBlock());
  if (vectorBits >= 512 || element.getIntOrFloatBitWidth() >= 32) {
    copyVector(zero, length);
  } else {
    // AVX2 masks 32- and 64-bit lanes only: LLVM splits a masked vector of
    // 16-bit floats into scalars converted through f32, and rounds them
    // back with a call to compiler-rt's __truncsfbf2, which a model
    // library does not link. An element at a time instead.
    auto tail = scf::ForOp::create(rewriter, loc, zero, length, one);
    rewriter.setInsertionPointToStart(tail.getBody());
    SmallVector<Value> at(indices);
    at.push_back(tail.getInductionVar());
    Value value = memref::LoadOp::create(rewriter, loc, source, at);
    memref::StoreOp::create(rewriter, loc, value, target, at);
  }
  rewriter.setInsertionPoint(copy);
  rewriter.eraseOp(copy);
}
} // namespace

bool mlir::autoglm::vectorizeRowCopies(RewriterBase &rewriter,
                                       func::FuncOp func, unsigned vectorBits) {
  SmallVector<linalg::CopyOp> copies;
  func.walk([&](linalg::CopyOp copy) {
    if (isRowCopy(copy, vectorBits))
      copies.push_back(copy);
  });
  for (linalg::CopyOp copy : copies)
    rewriteCopy(rewriter, copy, vectorBits);
  return !copies.empty();
}
