//===- RowProducts.cpp - --autoglm-cuda-row-products ----------------------===//
//
// A product of a few rows against a weight stored N x K (a decoder step's
// projections once RowProductWeights.cpp has stored them so) reads the
// whole weight for two flops per element: it runs at the speed the weight
// is read at. On buffers, instead of a cuBLASLt call,
//
//   linalg.fill ins(%zero) outs(%c)
//   linalg.matmul indexing_maps = [(m, k), (n, k), (m, n)]
//       ins(%a, %w : memref<MxK>, memref<NxK>) outs(%c : memref<MxN>)
//
// becomes one kernel: a warp per output column n, 8 per block. The warp's
// lanes read the column's K weights as one contiguous run, 16 bytes per
// lane and access (a 512-byte row segment per warp access), several
// accesses in flight per lane before any is used, and the same elements
// of the M rows of %a (which every warp reads; the L1 and L2 caches serve
// them). Each lane keeps a running f32 sum per row; the lanes' sums meet by
// shuffles and lane 0 writes the column's M results. No split of K across
// blocks: each sum is computed in one order, the same every run. A product
// that accumulates into its init (a residual, RowProductResiduals.cpp)
// instead of a zero fill adds the init's element to the complete sum. A
// product whose input is an RMS normalization's (RowProductNorms.cpp) sums
// the squares of its input rows beside the dot products and scales each
// row's results by 1 / sqrt(mean + epsilon).
//
//===----------------------------------------------------------------------===//

#include "autoglm/Target/CUDA/Passes.h"

#include "KernelBuilder.h"
#include "LibraryProducts.h"
#include "RowProducts.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

namespace mlir::autoglm {
#define GEN_PASS_DEF_AUTOGLMCUDAROWPRODUCTS
#include "autoglm/Target/CUDA/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;
using namespace mlir::autoglm;

namespace {
/// Warps per block, each computing one output column.
constexpr int64_t kColumnsPerBlock = 8;

/// Elements a lane reads per access: 16 bytes' worth when every row of
/// `types` starts at a multiple of that (contiguous rows), fewer
/// otherwise, down to one element.
int64_t accessWidth(ArrayRef<MemRefType> types, int64_t k) {
  int64_t width = 128 / types.front().getElementTypeBitWidth();
  for (MemRefType type : types) {
    auto [strides, offset] = type.getStridesAndOffset();
    if (strides.back() != 1)
      return 0; // rows not contiguous: not for this kernel
    for (int64_t v : {k, strides.front(), offset})
      while (width > 1 && (ShapedType::isDynamic(v) || v % width != 0))
        width /= 2;
  }
  return width;
}

/// Bytes of a line of the GPU's L2 cache.
constexpr int64_t kCacheLineBytes = 128;

/// Brings row `column` of the N x K weight `w` into the L2 cache, a line
/// per lane: the kernel's first instructions, which read no memory. The
/// weight is a constant that no kernel writes, so they may run before the
/// kernel waits for the one before it (--autoglm-cuda-dependent-launch
/// puts them with the wait, on sm_90 and newer, where LLVM has the
/// instruction): the weight then arrives while that kernel still runs.
void prefetchColumn(const KernelArith &ar, Value w, Value column, Value lane) {
  OpBuilder &b = ar.b;
  Location loc = ar.loc;
  auto type = cast<MemRefType>(w.getType());
  int64_t bytes = type.getElementTypeBitWidth() / 8;
  int64_t lines = llvm::divideCeil(type.getDimSize(1) * bytes, kCacheLineBytes);
  auto metadata = memref::ExtractStridedMetadataOp::create(b, loc, w);
  Value base = memref::ExtractAlignedPointerAsIndexOp::create(b, loc, w);
  Value row =
      ar.add(base, ar.mul(ar.add(metadata.getOffset(),
                                 ar.mul(column, metadata.getStrides()[0])),
                          ar.idx(bytes)));
  auto global = LLVM::LLVMPointerType::get(
      b.getContext(), static_cast<unsigned>(NVVM::NVVMMemorySpace::Global));
  for (int64_t first = 0; first < lines; first += kWarpSize) {
    // Lanes past the row's last line fetch that line again.
    Value line = ar.min(ar.add(lane, ar.idx(first)), ar.idx(lines - 1));
    Value address = ar.add(row, ar.mul(line, ar.idx(kCacheLineBytes)));
    Value pointer = LLVM::IntToPtrOp::create(
        b, loc, global,
        Value(arith::IndexCastOp::create(b, loc, b.getI64Type(), address)));
    NVVM::PrefetchOp::create(b, loc,
                             NVVM::PrefetchCacheLevelAttr::get(
                                 b.getContext(), NVVM::PrefetchCacheLevel::L2),
                             NVVM::CacheEvictionPriorityAttr(), pointer,
                             /*predicate=*/Value());
  }
}

/// The kernel for `product` (M x K times the N x K `w`, into M x N), before
/// it; with `accumulate`, added to what the M x N buffer holds; with
/// `epsilon`, each row's results scaled by 1 / sqrt(mean(row^2) + epsilon).
void buildRowProduct(linalg::MatmulOp product, int64_t width, bool accumulate,
                     std::optional<float> epsilon, bool prefetch) {
  Value a = product.getDpsInputs()[0], w = product.getDpsInputs()[1];
  Value c = product.getDpsInits()[0];
  auto aType = cast<MemRefType>(a.getType());
  int64_t rows = aType.getDimSize(0), k = aType.getDimSize(1);
  int64_t n = cast<MemRefType>(w.getType()).getDimSize(0);
  OpBuilder b(product);
  Location loc = product.getLoc();
  KernelArith ar{b, loc};
  gpu::LaunchOp launch =
      createLaunch(b, loc, {int64_t(llvm::divideCeil(n, kColumnsPerBlock)), 1},
                   kColumnsPerBlock * kWarpSize);
  Value t = launch.getThreadIds().x;
  Value lane = ar.rem(t, ar.idx(kWarpSize));
  Value column =
      ar.add(ar.mul(launch.getBlockIds().x, ar.idx(kColumnsPerBlock)),
             ar.div(t, ar.idx(kWarpSize)));
  if (prefetch)
    prefetchColumn(ar, w, ar.min(column, ar.idx(n - 1)), lane);
  // The whole warp has a column or none: the shuffles below stay uniform.
  ar.when(ar.cmp(arith::CmpIPredicate::slt, column, ar.idx(n)), [&] {
    // Access c of a lane covers elements [c * 32 * width + lane * width,
    // +width).
    int64_t span = kWarpSize * width;
    int64_t accesses = llvm::divideCeil(k, span);
    // Accesses in flight per lane: the weight's and each row's elements
    // stay in registers until used.
    int64_t group = std::min<int64_t>(accesses, rows <= 2 ? 8 : 4);
    int64_t iterations = llvm::divideCeil(accesses, group);
    Type element = aType.getElementType();
    auto loadElements = [&](Value memref, Value row, Value at) {
      SmallVector<Value> elements;
      if (width == 1) {
        elements.push_back(ar.toF32(ar.load(memref, {row, at})));
        return elements;
      }
      Value vector = vector::LoadOp::create(
          b, loc, VectorType::get({width}, element), memref,
          ValueRange{row, at}, /*nontemporal=*/false,
          llvm::MaybeAlign(width * element.getIntOrFloatBitWidth() / 8));
      for (int64_t e = 0; e < width; ++e)
        elements.push_back(
            ar.toF32(vector::ExtractOp::create(b, loc, vector, e)));
      return elements;
    };
    // Per row: the dot product's sum and, to normalize, the sum of squares.
    int64_t sumsPerRow = epsilon ? 2 : 1;
    SmallVector<Value> zeros(rows * sumsPerRow, ar.f32(0));
    auto loop = scf::ForOp::create(b, loc, ar.idx(0), ar.idx(iterations),
                                   ar.idx(1), zeros);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(loop.getBody());
      Value it = loop.getInductionVar();
      // All of the group's loads first, then their sums.
      SmallVector<Value> valid;
      SmallVector<SmallVector<Value>> weights;
      SmallVector<SmallVector<SmallVector<Value>>> inputs;
      for (int64_t g = 0; g < group; ++g) {
        Value first = ar.add(
            ar.mul(ar.add(ar.mul(it, ar.idx(group)), ar.idx(g)), ar.idx(span)),
            ar.mul(lane, ar.idx(width)));
        valid.push_back(ar.cmp(arith::CmpIPredicate::slt, first, ar.idx(k)));
        // Past the row's end, a lane reads its last elements and adds
        // nothing: no branch around the loads.
        Value at = ar.min(first, ar.idx(k - width));
        weights.push_back(loadElements(w, column, at));
        inputs.emplace_back();
        for (int64_t m = 0; m < rows; ++m)
          inputs.back().push_back(loadElements(a, ar.idx(m), at));
      }
      SmallVector<Value> sums(loop.getRegionIterArgs());
      for (int64_t g = 0; g < group; ++g)
        for (int64_t m = 0; m < rows; ++m) {
          Value dot = ar.f32(0);
          for (int64_t e = 0; e < width; ++e)
            dot = math::FmaOp::create(b, loc, inputs[g][m][e], weights[g][e],
                                      dot);
          sums[m] = ar.add(sums[m], ar.select(valid[g], dot, ar.f32(0)));
          if (!epsilon)
            continue;
          Value squares = ar.f32(0);
          for (int64_t e = 0; e < width; ++e)
            squares = math::FmaOp::create(b, loc, inputs[g][m][e],
                                          inputs[g][m][e], squares);
          sums[rows + m] =
              ar.add(sums[rows + m], ar.select(valid[g], squares, ar.f32(0)));
        }
      scf::YieldOp::create(b, loc, sums);
    }
    Type result = cast<MemRefType>(c.getType()).getElementType();
    auto add = [&](Value x, Value y) { return ar.add(x, y); };
    for (int64_t m = 0; m < rows; ++m) {
      Value sum = acrossLanes(ar, loop.getResult(m), kWarpSize, add);
      if (epsilon) {
        Value squares =
            acrossLanes(ar, loop.getResult(rows + m), kWarpSize, add);
        Value mean = arith::DivFOp::create(b, loc, squares, ar.f32(k));
        Value scale =
            math::RsqrtOp::create(b, loc, ar.add(mean, ar.f32(*epsilon)));
        sum = arith::MulFOp::create(b, loc, sum, scale);
      }
      ar.when(ar.cmp(arith::CmpIPredicate::eq, lane, ar.idx(0)), [&] {
        if (accumulate)
          sum = ar.add(sum, ar.toF32(ar.load(c, {ar.idx(m), column})));
        Value out = result.isF32()
                        ? sum
                        : Value(arith::TruncFOp::create(b, loc, result, sum));
        ar.store(out, c, {ar.idx(m), column});
      });
    }
  });
}

struct RowProducts : autoglm::impl::AutoGLMCUDARowProductsBase<RowProducts> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<linalg::MatmulOp> products;
    for (Operation &op : getOperation().getBody().front())
      if (auto mm = dyn_cast<linalg::MatmulOp>(op);
          mm && mm.hasPureBufferSemantics() && readsTransposedB(mm))
        products.push_back(mm);
    for (linalg::MatmulOp product : products) {
      auto a = cast<MemRefType>(product.getDpsInputs()[0].getType());
      auto w = cast<MemRefType>(product.getDpsInputs()[1].getType());
      auto c = cast<MemRefType>(product.getDpsInits()[0].getType());
      if (!c.hasStaticShape() || !takesRowProduct(product))
        continue;
      linalg::FillOp fill = getZeroFillBefore(product);
      int64_t width = accessWidth({a, w}, a.getDimSize(1));
      if (width == 0)
        continue;
      std::optional<float> epsilon;
      if (auto attr = product->getAttrOfType<FloatAttr>(kRmsNormalizedRowsAttr))
        epsilon = attr.getValueAsDouble();
      buildRowProduct(product, width, /*accumulate=*/!fill, epsilon,
                      prefetchWeights);
      product.erase();
      if (fill)
        fill.erase();
    }
  }
};
} // namespace
