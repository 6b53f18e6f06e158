//===- VnniContractions.cpp - uint8 x int8 products on vpdpbusd -----------===//
//
// --autoglm-vnni-contractions: the `autoglm.vnni` generics of
// --autoglm-pack-int8-products, on buffers,
//
//   C[m, n] += sum_{kk, j} zext(A[m, kk, j]) * sext(Wp[kk, n, j])
//
// (or sext(A) * zext(Wp), the convolutions of
// --autoglm-pack-int8-convolutions: weight rows times uint8 columns)
//
// become register-blocked loops around AVX-512 VNNI's `vpdpbusd`:
//
//   scf.parallel (M / mr, N / nr)        on the runtime's threads
//     mr x nr/16 accumulators <16 x i32>, read from C
//     scf.for kk < K/4
//       nr/16 loads of 64 bytes of Wp[kk, n0.., 0..3]
//       per row: A[m, 4kk..4kk+3] as one i32, broadcast to 16 lanes
//       mr * nr/16 vpdpbusd
//     the accumulators written back to C
//
// nr is the largest of 64, 32, 16 dividing N and mr the largest of 4, 2, 1
// dividing M (8, 4, 2, 1 when nr is 16 or 32), so that there are no
// partial tiles and at most 16 of the 32 vector registers hold
// accumulators.
//
//===----------------------------------------------------------------------===//

#include "autoglm/Target/CPU/Passes.h"

#include "ContractionTiles.h"
#include "VnniProduct.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::autoglm {
#define GEN_PASS_DEF_AUTOGLMVNNICONTRACTIONS
#include "autoglm/Target/CPU/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;

namespace {
constexpr int64_t kLanes = 16;

/// Whether the generic widens its first operand (the broadcast rows) with
/// `extui`: then it is vpdpbusd's unsigned operand, else the loaded
/// columns are (a convolution's weight rows times its uint8 columns).
bool rowsAreUnsigned(linalg::GenericOp op) {
  Value rows = op.getRegion().front().getArgument(0);
  return llvm::any_of(rows.getUsers(), [](Operation *user) {
    return isa<arith::ExtUIOp>(user);
  });
}

/// Rewrites the marked generic `op` (A: MxK/4x4xi8, Wp: K/4xNx4xi8,
/// C: MxNxi32, all identity-strided buffers) into the loops above.
LogicalResult lower(IRRewriter &rewriter, linalg::GenericOp op) {
  Value a = op.getDpsInputs()[0], w = op.getDpsInputs()[1],
        c = op.getDpsInits()[0];
  auto aType = dyn_cast<MemRefType>(a.getType());
  auto wType = dyn_cast<MemRefType>(w.getType());
  auto cType = dyn_cast<MemRefType>(c.getType());
  if (!aType || !wType || !cType || !aType.hasStaticShape() ||
      !wType.hasStaticShape() || !cType.hasStaticShape() ||
      !aType.getLayout().isIdentity() || !wType.getLayout().isIdentity() ||
      !cType.getLayout().isIdentity())
    return failure();
  int64_t m = cType.getDimSize(0), n = cType.getDimSize(1),
          k4 = wType.getDimSize(0);
  int64_t nr = autoglm::largestDivisor(n, {64, 32, 16});
  int64_t cols = nr / kLanes;
  // Each step of K loads `cols` vectors and broadcasts `mr` words for
  // mr * cols vpdpbusd: with one or two column vectors, 8 rows keep the
  // loads below the products (16 accumulators at most).
  int64_t mr = cols <= 2 ? autoglm::largestDivisor(m, {8, 4, 2, 1})
                         : autoglm::largestDivisor(m, {4, 2, 1});
  bool unsignedRows = rowsAreUnsigned(op);

  Location loc = op.getLoc();
  rewriter.setInsertionPoint(op);
  MLIRContext *ctx = rewriter.getContext();
  Type i8 = rewriter.getIntegerType(8), i32 = rewriter.getI32Type();
  auto accType = VectorType::get({kLanes}, i32);
  auto bytesType = VectorType::get({4 * kLanes}, i8);
  // A as [M, K] and Wp as [K/4, 4N]: the loads below read along one row.
  Value a2 = memref::CollapseShapeOp::create(
      rewriter, loc, a, ArrayRef<ReassociationIndices>{{0}, {1, 2}});
  Value w2 = memref::CollapseShapeOp::create(
      rewriter, loc, w, ArrayRef<ReassociationIndices>{{0}, {1, 2}});
  auto index = [&](int64_t v) {
    return arith::ConstantIndexOp::create(rewriter, loc, v).getResult();
  };
  Value zero = index(0);
  auto loop = scf::ParallelOp::create(rewriter, loc, ValueRange{zero, zero},
                                      ValueRange{index(m), index(n)},
                                      ValueRange{index(mr), index(nr)});
  rewriter.setInsertionPointToStart(loop.getBody());
  // The body uses only what it defines and buffers: constants are made
  // again inside.
  zero = index(0);
  Value row0 = loop.getInductionVars()[0], col0 = loop.getInductionVars()[1];
  auto offset = [&](Value base, int64_t delta) -> Value {
    if (!delta)
      return base;
    return arith::AddIOp::create(rewriter, loc, base, index(delta));
  };
  SmallVector<Value> rows, colsAt;
  for (int64_t r = 0; r < mr; ++r)
    rows.push_back(offset(row0, r));
  for (int64_t j = 0; j < cols; ++j)
    colsAt.push_back(offset(col0, j * kLanes));
  SmallVector<Value> accs;
  for (int64_t r = 0; r < mr; ++r)
    for (int64_t j = 0; j < cols; ++j)
      accs.push_back(vector::LoadOp::create(rewriter, loc, accType, c,
                                            ValueRange{rows[r], colsAt[j]}));
  auto kLoop =
      scf::ForOp::create(rewriter, loc, zero, index(k4), index(1), accs);
  rewriter.setInsertionPointToStart(kLoop.getBody());
  Value kk = kLoop.getInductionVar();
  Value four = index(4);
  Value k = arith::MulIOp::create(rewriter, loc, kk, four);
  SmallVector<Value> bs;
  for (int64_t j = 0; j < cols; ++j) {
    Value byteCol = arith::MulIOp::create(rewriter, loc, colsAt[j], four);
    bs.push_back(vector::LoadOp::create(rewriter, loc, bytesType, w2,
                                        ValueRange{kk, byteCol}));
  }
  SmallVector<Value> next;
  StringAttr intrinsic = rewriter.getStringAttr("llvm.x86.avx512.vpdpbusd.512");
  for (int64_t r = 0; r < mr; ++r) {
    Value quad = vector::LoadOp::create(rewriter, loc, VectorType::get({4}, i8),
                                        a2, ValueRange{rows[r], k});
    Value word = vector::BitCastOp::create(rewriter, loc,
                                           VectorType::get({1}, i32), quad);
    Value scalar = vector::ExtractOp::create(rewriter, loc, word, 0);
    Value splat = vector::BroadcastOp::create(rewriter, loc, accType, scalar);
    Value lhs = vector::BitCastOp::create(rewriter, loc, bytesType, splat);
    for (int64_t j = 0; j < cols; ++j) {
      Value acc = kLoop.getRegionIterArgs()[r * cols + j];
      next.push_back(LLVM::CallIntrinsicOp::create(
                         rewriter, loc, Type(accType), intrinsic,
                         unsignedRows ? ValueRange{acc, lhs, bs[j]}
                                      : ValueRange{acc, bs[j], lhs})
                         .getResult(0));
    }
  }
  scf::YieldOp::create(rewriter, loc, next);
  rewriter.setInsertionPointAfter(kLoop);
  for (int64_t r = 0; r < mr; ++r)
    for (int64_t j = 0; j < cols; ++j)
      vector::StoreOp::create(rewriter, loc, kLoop.getResult(r * cols + j), c,
                              ValueRange{rows[r], colsAt[j]});
  (void)ctx;
  rewriter.eraseOp(op);
  return success();
}

struct VnniContractions
    : autoglm::impl::AutoGLMVnniContractionsBase<VnniContractions> {
  void runOnOperation() override {
    SmallVector<linalg::GenericOp> products;
    getOperation().walk([&](linalg::GenericOp op) {
      if (op->hasAttr(autoglm::kVnniProductAttr) && op.hasPureBufferSemantics())
        products.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::GenericOp op : products)
      // One this pass cannot take (a strided view) stays a generic: slower,
      // and as correct.
      (void)lower(rewriter, op);
  }
};
} // namespace
