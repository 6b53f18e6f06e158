//===- VectorizeRows.cpp - non-contraction kernels as vector rows ---------===//
//
// Everything that is not a matrix product (elementwise chains, the
// reductions and finishes of softmax and LayerNorm, GELU's erf, copies and
// fills) used to become scalar loops, and its math ops libm calls. Here each
// such linalg op on buffers runs along its last loop dimension in vector
// lanes, the row:
//
//   scf.parallel (outer dims)              one row per iteration, run on the
//                                          runtime's threads
//     scf.for %k = 0 to R step VL
//          iter_args(%acc = splat(identity))      (reductions only)
//       %x = vector.transfer_read in[.., %k] : vector<VL>
//       ...the body on vectors...
//       %acc' = %acc + f(%x)                      one vector op per chunk
//     out[..] = vector.reduction(%acc) + out[..]  one horizontal reduction
//     <the last R mod VL elements as one narrower vector tile>
//
// VL is the host's vector width in elements of the op's widest type (16 f32
// lanes with AVX-512, 8 with AVX2). The rows are tiled and peeled with
// upstream tiling, each static tile is vectorized with `linalg::vectorize`,
// and the reduction's accumulator is then kept in a vector register across
// the row (reassociating the sum: 16 partial sums and a tree at the end of
// the row, as ONNX Runtime does). The vector math ops (exp, erf, tanh, log,
// ...) become MLIR's polynomial approximations, so no libm call is left in
// the rows; scalar math elsewhere keeps libm.
//
// A short row first joins the dimensions before it where every operand
// reads them contiguously: a [1, 120, 28, 28] op runs 120 rows of 784, not
// 3360 rows of 28 (a chunk, a 12-lane tail and, for a reduction, a
// horizontal reduction each), as long as enough rows are left for the
// threads. An input read at a constant 0 of a unit dimension (a scale per
// channel at (d0, d1, 0, 0)) is read through a view without it first.
//
// An op qualifies when its shapes are static, it is neither a contraction
// nor a convolution, and every operand indexes the last loop dimension as
// its own innermost index, or not at all. A row is then contiguous in
// memory, or a view of every 2nd to 4th element (Winograd's tile windows):
// such a view is read as the whole registers under its lanes (a masked
// load) and a shuffle of every stride-th lane, and written as a shuffle
// that spreads the lanes and a masked store of them. A transpose of the last
// two dimensions (attention's K^T) runs as VL x VL tiles instead: VL rows read,
// transposed in registers (upstream's shuffle lowerings), VL rows written.
// Gathers and other transposes keep their scalar loops. Copies whose
// extents are known at run time only, strided along their rows (a
// convolution's taps into its im2col panel), run as masked vector rows
// first (RowCopies.h).
//
//===----------------------------------------------------------------------===//

#include "autoglm/Target/CPU/Passes.h"

#include "ContractionTiles.h"
#include "ErfApproximation.h"
#include "RowCopies.h"
#include "SimplifyTiles.h"
#include "VectorTransfers.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Approximation.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/SCF/Transforms/Patterns.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/LoopInvariantCodeMotionUtils.h"

namespace mlir::autoglm {
#define GEN_PASS_DEF_AUTOGLMVECTORIZEROWS
#include "autoglm/Target/CPU/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;

namespace {
/// Marks the ops and chunk loops this pass made, between its steps.
constexpr StringLiteral kRowTile = "autoglm.row_tile";
constexpr StringLiteral kRowChunks = "autoglm.row_chunks";

/// Element types a vector register holds as the memory does: whole bytes
/// (an i1 vector would load packed bits from a buffer of bytes).
bool hasVectorElements(Type type) {
  Type element = getElementTypeOrSelf(type);
  if (!element.isIntOrFloat())
    return false;
  unsigned bits = element.getIntOrFloatBitWidth();
  return bits >= 8 && llvm::isPowerOf2_32(bits);
}

/// How an op runs in vectors: `lanes` elements of its last loop dimension
/// at a time (0: it does not qualify), and, for a transpose, as square
/// `lanes x lanes` tiles of its last two dimensions.
struct RowPlan {
  int64_t lanes = 0;
  bool transposed = false;
};

/// See the file comment. A row op: every operand reads the last loop
/// dimension as its innermost index or not at all. A transpose: all loops
/// parallel, the last two loop dimensions appear only as the operands' last
/// two indices, in either order, and some operand has them swapped; both
/// are multiples of the vector width.
RowPlan planRows(linalg::LinalgOp op, unsigned vectorBits) {
  if (!op.hasPureBufferSemantics() || op.getNumLoops() == 0 ||
      op.hasDynamicShape() || linalg::isaContractionOpInterface(op) ||
      linalg::isaConvolutionOpInterface(op) ||
      isa<linalg::ContractionOpInterface, linalg::ConvolutionOpInterface>(
          op.getOperation()))
    return {};
  unsigned last = op.getNumLoops() - 1;
  unsigned widest = 0;
  bool rows = true,
       transposed = last > 0 && op.getNumParallelLoops() == op.getNumLoops();
  bool swapped = false, strided = false;
  auto isDim = [](AffineExpr e, unsigned d) {
    auto dim = dyn_cast<AffineDimExpr>(e);
    return dim && dim.getPosition() == d;
  };
  for (OpOperand &operand : op->getOpOperands()) {
    Type type = operand.get().getType();
    if (!hasVectorElements(type))
      return {};
    widest =
        std::max(widest, getElementTypeOrSelf(type).getIntOrFloatBitWidth());
    AffineMap map = op.getMatchingIndexingMap(&operand);
    unsigned n = map.getNumResults();
    bool usesRow = map.isFunctionOfDim(last);
    bool usesColumn = transposed && map.isFunctionOfDim(last - 1);
    if (!usesRow && !usesColumn)
      continue;
    // The row may be a strided view (StridedTransferRead/Write below);
    // anything else that the tiles read is contiguous.
    int64_t stride = autoglm::innerStride(type);
    if (usesRow ? stride < 1 || stride > autoglm::kMaxRowStride : stride != 1)
      return {};
    strided |= stride > 1;
    // Rows: the last dimension only as the innermost index, alone.
    if (usesRow) {
      for (unsigned r = 0; r + 1 < n; ++r)
        rows &= !map.getResult(r).isFunctionOfDim(last);
      rows &= isDim(map.getResult(n - 1), last);
    }
    // Transposes: the last two only as the last two indices, alone.
    if (transposed) {
      for (unsigned r = 0; r < n; ++r) {
        AffineExpr e = map.getResult(r);
        if (!e.isFunctionOfDim(last) && !e.isFunctionOfDim(last - 1))
          continue;
        transposed &= r + 2 >= n && (isDim(e, last) || isDim(e, last - 1));
      }
      swapped |= isDim(map.getResult(n - 1), last - 1);
    }
  }
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  int64_t lanes = std::max<int64_t>(1, vectorBits / widest);
  if (failed(linalg::vectorizeOpPrecondition(op)))
    return {};
  // A row shorter than a vector is one narrower vector, unless too short
  // to pay (a [.., 1] or [.., 2] row is better left to scalar loops).
  if (rows && ranges[last] >= 4)
    return {std::min(ranges[last], lanes), false};
  // Transposed tiles of 32-bit elements only (the register transposes'
  // shapes; a tile of 64 x 64 bytes would not fit the registers).
  if (!rows && !strided && transposed && swapped && widest == 32 && lanes > 1 &&
      ranges[last] % lanes == 0 && ranges[last - 1] % lanes == 0)
    return {lanes, true};
  return {};
}

/// Rows at least this long are left as they are.
constexpr int64_t kLongRow = 256;
/// Joining dimensions into the row stops before fewer rows than this are
/// left outside it (the threads split the rows).
constexpr int64_t kMinRows = 32;

/// Whether the indices `first`..`first + count - 1` of the buffer `type`
/// are contiguous, so that they can be one index.
bool contiguousIndices(Type type, unsigned first, unsigned count) {
  auto memref = dyn_cast<MemRefType>(type);
  SmallVector<int64_t> strides;
  int64_t offset;
  if (!memref || failed(memref.getStridesAndOffset(strides, offset)))
    return false;
  for (unsigned i = first; i + 1 < first + count; ++i)
    if (ShapedType::isDynamic(strides[i]) ||
        strides[i] != strides[i + 1] * memref.getDimSize(i + 1))
      return false;
  return true;
}

/// Reads of `op`'s inputs at a constant 0 of a unit dimension ([1, C, 1, 1]
/// at (d0, d1, 0, 0), a broadcast per channel) read a view without those
/// dimensions instead, so that every map is a projected permutation.
void dropUnitConstantIndices(RewriterBase &rewriter, linalg::GenericOp op) {
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  bool changed = false;
  for (OpOperand *operand : op.getDpsInputOperands()) {
    auto type = dyn_cast<MemRefType>(operand->get().getType());
    AffineMap map = maps[operand->getOperandNumber()];
    if (!type || type.getRank() != map.getNumResults())
      continue;
    SmallVector<AffineExpr> kept;
    SmallVector<ReassociationIndices> groups;
    for (auto [i, e] : llvm::enumerate(map.getResults())) {
      auto constant = dyn_cast<AffineConstantExpr>(e);
      bool unit =
          constant && constant.getValue() == 0 && type.getDimSize(i) == 1;
      if (unit && !groups.empty()) {
        groups.back().push_back(i);
        continue;
      }
      if (!unit)
        kept.push_back(e);
      if (!unit || groups.empty())
        groups.push_back({int64_t(i)});
    }
    if (kept.empty() || kept.size() == map.getNumResults())
      continue;
    // A leading unit dimension joined the first kept one's group.
    if (groups.size() > kept.size()) {
      groups[1].insert(groups[1].begin(), groups[0].begin(), groups[0].end());
      groups.erase(groups.begin());
    }
    if (!memref::CollapseShapeOp::isGuaranteedCollapsible(type, groups))
      continue;
    rewriter.setInsertionPoint(op);
    Value view = memref::CollapseShapeOp::create(rewriter, op.getLoc(),
                                                 operand->get(), groups);
    rewriter.modifyOpInPlace(op, [&] { operand->set(view); });
    maps[operand->getOperandNumber()] =
        AffineMap::get(map.getNumDims(), 0, kept, op.getContext());
    changed = true;
  }
  if (changed)
    rewriter.modifyOpInPlace(op, [&] {
      op.setIndexingMapsAttr(rewriter.getAffineMapArrayAttr(maps));
    });
}

/// The loop dimensions of `op` to join into its row: the trailing ones
/// whose product is the row, while the row is shorter than kLongRow, the
/// dimensions share their iterator type, every operand reads them as
/// consecutive indices in order (or none of them) from a buffer where they
/// are contiguous, and kMinRows parallel rows are left. A [.., 28, 28] row of
/// 28 (one vector and a 12-lane tail, a horizontal reduction each) becomes one
/// of 784. Empty when nothing joins.
SmallVector<ReassociationIndices> shortRowGroups(linalg::GenericOp op) {
  if (!op.hasPureBufferSemantics() || op.getNumLoops() < 2 ||
      op.hasDynamicShape() || linalg::isaContractionOpInterface(op) ||
      !llvm::all_of(op.getIndexingMapsArray(),
                    [](AffineMap map) { return map.isProjectedPermutation(); }))
    return {};
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  unsigned last = ranges.size() - 1;
  int64_t row = ranges[last];
  // The rows the threads split: the parallel dimensions outside the row.
  int64_t parallelRows = 1;
  for (unsigned d = 0; d < last; ++d)
    if (iterators[d] == utils::IteratorType::parallel)
      parallelRows *= ranges[d];
  ReassociationIndices joined = {int64_t(last)};
  for (int64_t d = int64_t(last) - 1; d >= 0 && row < kLongRow; --d) {
    // Joining reduction dimensions leaves the rows as they are (and so
    // does not depend on the batch: a reduction's order of summation is
    // the same at every batch size).
    if (iterators[d] != iterators[last] ||
        (iterators[d] == utils::IteratorType::parallel &&
         parallelRows / ranges[d] < kMinRows))
      break;
    ReassociationIndices candidate = {d};
    candidate.append(joined.begin(), joined.end());
    bool joins = true;
    for (OpOperand &operand : op->getOpOperands()) {
      AffineMap map = op.getMatchingIndexingMap(&operand);
      if (!map.isFunctionOfDim(d) && !map.isFunctionOfDim(last))
        continue;
      if (!linalg::isDimSequencePreserved(map, candidate)) {
        joins = false;
        break;
      }
      // The candidate's dimensions are consecutive results of the map.
      unsigned first = 0;
      while (!map.getResult(first).isFunctionOfDim(d))
        ++first;
      joins &=
          first + candidate.size() == map.getNumResults() &&
          contiguousIndices(operand.get().getType(), first, candidate.size());
    }
    if (!joins)
      break;
    joined = std::move(candidate);
    row *= ranges[d];
    if (iterators[d] == utils::IteratorType::parallel)
      parallelRows /= ranges[d];
  }
  if (joined.size() < 2)
    return {};
  SmallVector<ReassociationIndices> groups;
  for (int64_t d = 0; d < joined.front(); ++d)
    groups.push_back({d});
  groups.push_back(joined);
  return groups;
}

/// Tiles `op` into rows (outer dimensions by one: scf.parallel for parallel
/// ones outside other parallel loops, scf.for otherwise) and each row into
/// chunks of `lanes` (an scf.for marked kRowChunks), with the partial chunk
/// peeled off; a transpose into square tiles of its last two dimensions.
/// Every tile is marked kRowTile.
LogicalResult tileIntoRows(RewriterBase &rewriter, linalg::LinalgOp op,
                           RowPlan plan) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  unsigned last = ranges.size() - 1;
  unsigned tiled2D = plan.transposed ? 1 : 0;
  int64_t lanes = plan.lanes;
  op->setAttr(kRowTile, rewriter.getUnitAttr());

  SmallVector<int64_t> rows(ranges.size(), 0);
  for (unsigned d = 0; d < last - tiled2D; ++d)
    rows[d] = ranges[d] > 1 ? 1 : 0;
  linalg::LinalgOp row = op;
  if (llvm::any_of(rows, [](int64_t t) { return t != 0; })) {
    bool nested = op->getParentOfType<scf::ParallelOp>() ||
                  op->getParentOfType<scf::ForallOp>();
    rewriter.setInsertionPoint(op);
    FailureOr<linalg::TiledLinalgOp> tiled = linalg::tileLinalgOp(
        rewriter, op,
        linalg::LinalgTilingOptions().setTileSizes(rows).setLoopType(
            nested ? linalg::LinalgTilingLoopType::Loops
                   : linalg::LinalgTilingLoopType::ParallelLoops));
    if (failed(tiled))
      return failure();
    row = tiled->op;
    rewriter.eraseOp(op);
  }
  if (ranges[last] <= lanes && !plan.transposed)
    return success();

  SmallVector<int64_t> chunks(ranges.size(), 0);
  chunks[last] = lanes;
  if (plan.transposed)
    chunks[last - 1] = lanes;
  rewriter.setInsertionPoint(row);
  FailureOr<linalg::TiledLinalgOp> tiled = linalg::tileLinalgOp(
      rewriter, row, linalg::LinalgTilingOptions().setTileSizes(chunks));
  if (failed(tiled))
    return failure();
  rewriter.eraseOp(row);
  if (plan.transposed)
    return success(); // all parallel: no accumulator, no partial tiles
  auto loop = cast<scf::ForOp>(tiled->loops.back());
  loop->setAttr(kRowChunks, rewriter.getUnitAttr());
  scf::ForOp partial;
  if (ranges[last] % lanes != 0)
    (void)scf::peelForLoopAndSimplifyBounds(rewriter, loop, partial);
  return success();
}

/// The value that leaves any element unchanged under `kind`, splat to
/// `type`; null for kinds without one here.
Value identityOf(OpBuilder &b, Location loc, vector::CombiningKind kind,
                 VectorType type) {
  auto floatType = dyn_cast<FloatType>(type.getElementType());
  if (!floatType)
    return {};
  const llvm::fltSemantics &semantics = floatType.getFloatSemantics();
  APFloat value(semantics);
  switch (kind) {
  case vector::CombiningKind::ADD:
    value = APFloat::getZero(semantics);
    break;
  case vector::CombiningKind::MUL:
    value = APFloat::getOne(semantics);
    break;
  case vector::CombiningKind::MAXIMUMF:
  case vector::CombiningKind::MAXNUMF:
    value = APFloat::getInf(semantics, /*Negative=*/true);
    break;
  case vector::CombiningKind::MINIMUMF:
  case vector::CombiningKind::MINNUMF:
    value = APFloat::getInf(semantics, /*Negative=*/false);
    break;
  default:
    return {};
  }
  return arith::ConstantOp::create(
      b, loc, type, DenseElementsAttr::get(type, ArrayRef<APFloat>(value)));
}

/// The buffer `view` is a view of, past subviews and casts (an arena slot
/// of `memref.view`, or a function argument).
Value viewedBuffer(Value view) {
  while (Operation *op = view.getDefiningOp()) {
    if (!isa<memref::SubViewOp, memref::CastOp, memref::ReinterpretCastOp,
             memref::CollapseShapeOp, memref::ExpandShapeOp>(op))
      break;
    view = op->getOperand(0);
  }
  return view;
}

/// In a chunk loop whose vectorized tile reduces into a location that does
/// not depend on the chunk (read, `vector.multi_reduction`, write back),
/// keeps a vector of partial results across the loop instead: one
/// elementwise op per chunk, one horizontal reduction after the loop.
void keepVectorAccumulator(RewriterBase &rewriter, scf::ForOp loop) {
  vector::TransferWriteOp write;
  for (Operation &op : loop.getBody()->without_terminator()) {
    if (auto w = dyn_cast<vector::TransferWriteOp>(op)) {
      if (write)
        return;
      write = w;
    } else if (!isMemoryEffectFree(&op) && !isa<vector::TransferReadOp>(op)) {
      return;
    }
  }
  if (!write || write.getMask())
    return;
  auto reduction =
      write.getVector().getDefiningOp<vector::MultiDimReductionOp>();
  if (!reduction || reduction->getBlock() != loop.getBody())
    return;
  auto accumulator = reduction.getAcc().getDefiningOp<vector::TransferReadOp>();
  auto definedOutside = [&](Value v) { return loop.isDefinedOutsideOfLoop(v); };
  if (!accumulator || accumulator->getBlock() != loop.getBody() ||
      !accumulator->hasOneUse() || accumulator.getMask() ||
      accumulator.getBase() != write.getBase() ||
      !autoglm::sameIndices(accumulator.getIndices(), write.getIndices()) ||
      accumulator.getPermutationMap() != write.getPermutationMap() ||
      !definedOutside(write.getBase()) ||
      !llvm::all_of(write.getIndices(), definedOutside))
    return;
  // Nothing else in the loop may read the accumulator's buffer (through
  // another view of it: an input bufferized in place of the output).
  Value buffer = viewedBuffer(write.getBase());
  for (auto read : loop.getBody()->getOps<vector::TransferReadOp>())
    if (read != accumulator && viewedBuffer(read.getBase()) == buffer)
      return;

  vector::CombiningKind kind = reduction.getKind();
  // The partial results as a rank-1 vector (the tile's other dimensions
  // are units).
  auto sourceType = cast<VectorType>(reduction.getSource().getType());
  auto partialType = VectorType::get({sourceType.getNumElements()},
                                     sourceType.getElementType());
  rewriter.setInsertionPoint(loop);
  Value identity = identityOf(rewriter, loop.getLoc(), kind, partialType);
  if (!identity)
    return;
  FailureOr<LoopLikeOpInterface> newLoop =
      cast<LoopLikeOpInterface>(loop.getOperation())
          .replaceWithAdditionalYields(
              rewriter, identity, /*replaceInitOperandUsesInLoop=*/false,
              [&](OpBuilder &b, Location loc, ArrayRef<BlockArgument> args) {
                Value chunk = vector::ShapeCastOp::create(
                    b, loc, partialType, reduction.getSource());
                return SmallVector<Value>{vector::makeArithReduction(
                    b, loc, kind, args.front(), chunk)};
              });
  if (failed(newLoop))
    return;
  // After the loop: read the location once, reduce the partial results
  // into it, write it once.
  rewriter.setInsertionPointAfter(*newLoop);
  Operation *read = rewriter.clone(*accumulator);
  Value partials =
      vector::ShapeCastOp::create(rewriter, reduction.getLoc(), sourceType,
                                  (*newLoop)->getResults().back());
  Value total = vector::MultiDimReductionOp::create(
      rewriter, reduction.getLoc(), partials, read->getResult(0),
      reduction.getReductionMask(), kind);
  rewriter.modifyOpInPlace(
      write, [&] { write.getValueToStoreMutable().assign(total); });
  rewriter.moveOpAfter(write, total.getDefiningOp());
  rewriter.eraseOp(reduction);
  rewriter.eraseOp(accumulator);
}

/// A rank-1 view of `count` consecutive elements of `source` (a strided
/// memref), starting at `indices`: the memory under a strided vector's
/// lanes and the gaps between them.
Value contiguousWindow(OpBuilder &b, Location loc, Value source,
                       ValueRange indices, int64_t count) {
  auto type = cast<MemRefType>(source.getType());
  auto metadata = memref::ExtractStridedMetadataOp::create(b, loc, source);
  Value offset = metadata.getOffset();
  for (auto [index, stride] : llvm::zip_equal(indices, metadata.getStrides()))
    offset = arith::AddIOp::create(
        b, loc, offset, arith::MulIOp::create(b, loc, index, stride));
  auto windowType = MemRefType::get(
      {count}, type.getElementType(),
      StridedLayoutAttr::get(b.getContext(), ShapedType::kDynamic, {1}),
      type.getMemorySpace());
  return memref::ReinterpretCastOp::create(
      b, loc, windowType, metadata.getBaseBuffer(), OpFoldResult(offset),
      ArrayRef<OpFoldResult>{b.getIndexAttr(count)},
      ArrayRef<OpFoldResult>{b.getIndexAttr(1)});
}

/// What a strided vector transfer of `lanes` elements `stride` apart
/// touches: `span` elements from the first, in a vector of `wide` elements
/// (whole registers of `vectorBits`).
struct StridedSpan {
  int64_t stride = 0, span = 0, wide = 0;
};

/// The span of a rank-1, in-bounds transfer along the innermost dimension
/// of a memref whose innermost stride is 2..kMaxRowStride, unmasked or
/// masked to its first lanes (`vector.create_mask`: RowCopies.h); a zero
/// stride for any other.
StridedSpan stridedSpan(VectorTransferOpInterface transfer,
                        unsigned vectorBits) {
  VectorType vectorType = transfer.getVectorType();
  int64_t stride = autoglm::innerStride(transfer.getBase().getType());
  Value mask = transfer.getMask();
  if (vectorType.getRank() != 1 || vectorType.isScalable() ||
      (mask && !mask.getDefiningOp<vector::CreateMaskOp>()) ||
      !transfer.getPermutationMap().isMinorIdentity() ||
      !transfer.isDimInBounds(0) || stride < 2 ||
      stride > autoglm::kMaxRowStride)
    return {};
  int64_t span = (vectorType.getDimSize(0) - 1) * stride + 1;
  int64_t perRegister = std::max<int64_t>(
      1, vectorBits / vectorType.getElementType().getIntOrFloatBitWidth());
  return {stride, span, int64_t(llvm::alignTo(span, perRegister))};
}

/// The constant mask of the lanes of a `wide`-element window that a
/// strided vector touches: all `span` of them (`every` 1), or each
/// `every`-th.
Value windowMask(OpBuilder &b, Location loc, StridedSpan s, int64_t every) {
  SmallVector<bool> lanes(s.wide, false);
  for (int64_t i = 0; i < s.span; i += every)
    lanes[i] = true;
  auto type = VectorType::get({s.wide}, b.getI1Type());
  return arith::ConstantOp::create(b, loc, type,
                                   DenseElementsAttr::get(type, lanes));
}

/// A read of a strided view (Winograd's tile windows, a convolution's taps
/// copied into its panel; StridedSpan) as a masked load of the whole
/// registers under it and a shuffle of every stride-th lane, where the
/// lowering would load each lane alone. A read masked to its first n lanes
/// loads the first stride * (n - 1) + 1 elements of the window.
/// Without AVX-512, an unmasked read whose span fills two registers loads
/// them unmasked instead, the second ending where the span ends.
struct StridedTransferRead : OpRewritePattern<vector::TransferReadOp> {
  StridedTransferRead(MLIRContext *ctx, unsigned vectorBits)
      : OpRewritePattern(ctx), vectorBits(vectorBits) {}

  LogicalResult matchAndRewrite(vector::TransferReadOp read,
                                PatternRewriter &rewriter) const override {
    StridedSpan s = stridedSpan(read, vectorBits);
    if (!s.stride)
      return failure();
    Location loc = read.getLoc();
    Type element = read.getVectorType().getElementType();
    auto wideType = VectorType::get({s.wide}, element);
    Value window = contiguousWindow(rewriter, loc, read.getBase(),
                                    read.getIndices(), s.span);
    Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
    SmallVector<int64_t> picked;
    for (int64_t i = 0; i < read.getVectorType().getDimSize(0); ++i)
      picked.push_back(i * s.stride);
    int64_t perRegister =
        std::max<int64_t>(1, vectorBits / element.getIntOrFloatBitWidth());
    if (!read.getMask() && vectorBits < 512 && s.wide == 2 * perRegister &&
        s.span % perRegister != 0) {
      // Without AVX-512's mask registers a masked load is a slower
      // instruction (microcoded on AMD's cores): an unmasked span of two
      // registers is read as its first register and the register that
      // ends where the span ends, which overlap.
      auto registerType = VectorType::get({perRegister}, element);
      Value first = vector::LoadOp::create(rewriter, loc, registerType, window,
                                           ValueRange{zero});
      Value last =
          vector::LoadOp::create(rewriter, loc, registerType, window,
                                 ValueRange{arith::ConstantIndexOp::create(
                                     rewriter, loc, s.span - perRegister)});
      for (int64_t &lane : picked)
        if (lane >= perRegister)
          lane = perRegister + lane - (s.span - perRegister);
      rewriter.replaceOpWithNewOp<vector::ShuffleOp>(read, first, last, picked);
      return success();
    }
    Value passThrough = arith::ConstantOp::create(
        rewriter, loc, wideType,
        DenseElementsAttr::get(wideType, rewriter.getZeroAttr(element)));
    Value windowLanes = windowMask(rewriter, loc, s, 1);
    if (Value mask = read.getMask()) {
      Value lanes = mask.getDefiningOp<vector::CreateMaskOp>().getOperand(0);
      Value spanned = arith::SubIOp::create(
          rewriter, loc,
          arith::MulIOp::create(
              rewriter, loc, lanes,
              arith::ConstantIndexOp::create(rewriter, loc, s.stride)),
          arith::ConstantIndexOp::create(rewriter, loc, s.stride - 1));
      windowLanes = vector::CreateMaskOp::create(
          rewriter, loc, VectorType::get({s.wide}, rewriter.getI1Type()),
          ValueRange{spanned});
    }
    Value wide = vector::MaskedLoadOp::create(rewriter, loc, wideType, window,
                                              ValueRange{zero}, windowLanes,
                                              passThrough);
    rewriter.replaceOpWithNewOp<vector::ShuffleOp>(read, wide, wide, picked);
    return success();
  }

  unsigned vectorBits;
};

/// A write of a strided view as a shuffle that spreads the vector's lanes
/// stride apart and a masked store of the registers under them.
struct StridedTransferWrite : OpRewritePattern<vector::TransferWriteOp> {
  StridedTransferWrite(MLIRContext *ctx, unsigned vectorBits)
      : OpRewritePattern(ctx), vectorBits(vectorBits) {}

  LogicalResult matchAndRewrite(vector::TransferWriteOp write,
                                PatternRewriter &rewriter) const override {
    StridedSpan s = stridedSpan(write, vectorBits);
    if (!s.stride || write.getMask())
      return failure();
    Location loc = write.getLoc();
    Value window = contiguousWindow(rewriter, loc, write.getBase(),
                                    write.getIndices(), s.span);
    // Lane i * stride holds element i; the lanes between are not stored.
    SmallVector<int64_t> spread(s.wide, 0);
    for (int64_t i = 0; i * s.stride < s.span; ++i)
      spread[i * s.stride] = i;
    Value value = write.getVector();
    Value wide = vector::ShuffleOp::create(rewriter, loc, value, value, spread);
    Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
    rewriter.replaceOpWithNewOp<vector::MaskedStoreOp>(
        write, window, ValueRange{zero}, windowMask(rewriter, loc, s, s.stride),
        wide);
    return success();
  }

  unsigned vectorBits;
};

struct VectorizeRowsPass
    : public autoglm::impl::AutoGLMVectorizeRowsBase<VectorizeRowsPass> {
  using AutoGLMVectorizeRowsBase::AutoGLMVectorizeRowsBase;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    MLIRContext *ctx = &getContext();
    IRRewriter rewriter(ctx);
    unsigned bits =
        vectorBits ? unsigned(vectorBits) : autoglm::hostVectorBits();

    // Copies of rows whose extents are known at run time only (the taps of
    // a convolution's im2col panel) as masked vectors (RowCopies.h); their
    // strided reads are lowered with the rows' below.
    bool rowCopies = autoglm::vectorizeRowCopies(rewriter, func, bits);

    // Short rows first join the dimensions before them (see shortRowGroups).
    func.walk(
        [&](linalg::GenericOp op) { dropUnitConstantIndices(rewriter, op); });
    SmallVector<std::pair<linalg::GenericOp, SmallVector<ReassociationIndices>>>
        shortRows;
    func.walk([&](linalg::GenericOp op) {
      SmallVector<ReassociationIndices> groups = shortRowGroups(op);
      if (!groups.empty())
        shortRows.push_back({op, std::move(groups)});
    });
    for (auto &[op, groups] : shortRows) {
      rewriter.setInsertionPoint(op);
      if (succeeded(linalg::collapseOpIterationDims(op, groups, rewriter)))
        rewriter.eraseOp(op);
    }

    SmallVector<std::pair<linalg::LinalgOp, RowPlan>> candidates;
    bool transposes = false;
    func.walk([&](linalg::LinalgOp op) {
      RowPlan plan = planRows(op, bits);
      if (plan.lanes)
        candidates.push_back({op, plan});
      transposes |= plan.transposed;
    });
    if (candidates.empty() && !rowCopies)
      return;
    for (auto [op, plan] : candidates)
      if (failed(tileIntoRows(rewriter, op, plan)))
        return signalPassFailure();
    if (failed(autoglm::simplifyTiles(func)))
      return signalPassFailure();

    // Every tile is now static: a row, a chunk of one, or its remainder.
    SmallVector<linalg::LinalgOp> tiles;
    func.walk([&](linalg::LinalgOp op) {
      if (op->hasAttr(kRowTile))
        tiles.push_back(op);
    });
    for (linalg::LinalgOp op : tiles) {
      op->removeAttr(kRowTile);
      if (op.hasDynamicShape())
        continue; // stays a scalar loop nest: slower, still correct
      rewriter.setInsertionPoint(op);
      if (succeeded(linalg::vectorize(rewriter, op)))
        rewriter.eraseOp(op);
    }

    // The views of a reduction's output do not depend on the chunk: out of
    // the chunk loops, so that the accumulator can follow.
    SmallVector<scf::ForOp> chunkLoops;
    func.walk([&](scf::ForOp loop) {
      if (loop->removeAttr(kRowChunks))
        chunkLoops.push_back(loop);
    });
    for (scf::ForOp loop : chunkLoops) {
      moveLoopInvariantCode(cast<LoopLikeOpInterface>(loop.getOperation()));
      keepVectorAccumulator(rewriter, loop);
    }

    // A reduction over unit dimensions only (the outer reduction dimension
    // of a tile) is elementwise: first, before any lowering unrolls it.
    RewritePatternSet unitReductions(ctx);
    vector::MultiDimReductionOp::getCanonicalizationPatterns(unitReductions,
                                                             ctx);
    if (failed(applyPatternsGreedily(func, std::move(unitReductions))))
      return signalPassFailure();

    // Vectors of rank 1 (unit dimensions dropped), reductions as
    // vector.reduction, transfers as loads and stores.
    RewritePatternSet patterns(ctx);
    vector::populateCastAwayVectorLeadingOneDimPatterns(patterns);
    vector::populateVectorTransferDropUnitDimsPatterns(patterns);
    vector::populateVectorMultiReductionLoweringPatterns(
        patterns, vector::VectorMultiReductionLowering::InnerReduction);
    vector::populateVectorTransferLoweringPatterns(patterns,
                                                   /*maxTransferRank=*/1);
    // A transposed tile: a read of rows, then a register transpose (the
    // 16x16 f32 one as unpack/shuffle sequences).
    if (transposes) {
      vector::populateVectorTransferPermutationMapLoweringPatterns(patterns);
      vector::populateVectorTransposeLoweringPatterns(
          patterns, bits == 512 ? vector::VectorTransposeLowering::Shuffle16x16
                                : vector::VectorTransposeLowering::Shuffle1D);
    }
    // Strided views (Winograd's tile windows) as whole registers.
    patterns.add<StridedTransferRead, StridedTransferWrite>(ctx, bits);
    vector::TransferReadOp::getCanonicalizationPatterns(patterns, ctx);
    vector::TransferWriteOp::getCanonicalizationPatterns(patterns, ctx);
    vector::ExtractOp::getCanonicalizationPatterns(patterns, ctx);
    vector::BroadcastOp::getCanonicalizationPatterns(patterns, ctx);
    vector::ShapeCastOp::getCanonicalizationPatterns(patterns, ctx);
    if (failed(applyPatternsGreedily(func, std::move(patterns))))
      return signalPassFailure();

    // Polynomial approximations of the vector math ops only: on scalars
    // they gain nothing over libm.
    SmallVector<Operation *> vectorMath;
    func.walk([&](Operation *op) {
      if (isa<math::MathDialect>(op->getDialect()) &&
          op->getNumResults() == 1 &&
          isa<VectorType>(op->getResult(0).getType()))
        vectorMath.push_back(op);
    });
    if (vectorMath.empty())
      return;
    RewritePatternSet approximations(ctx);
    populateMathPolynomialApproximationPatterns(approximations);
    autoglm::populateErfApproximationPatterns(approximations);
    GreedyRewriteConfig config;
    config.setStrictness(GreedyRewriteStrictness::ExistingAndNewOps);
    if (failed(applyOpPatternsGreedily(vectorMath, std::move(approximations),
                                       config)))
      return signalPassFailure();
  }
};
} // namespace
