//===- EncoderAttentionKernels.cpp - f16 attention on tensor cores --------===//
//
// A dense f16 `autoglm.decode_attention` of many queries (encoder attention,
// prefill; SelectDecodeAttention.cpp picks them) becomes one kernel that
// keeps the scores on chip: a tile of 16 query rows of a (batch, query
// head) is four warps, which split each step, and a block holds one tile
// or two (EncoderAttention.h says when).
//
// 1. The block copies its key/value head's keys, transposed, into shared
//    memory (D x Sk f16): the right-hand operand of Q · Kᵀ in the row-major
//    form the tensor-core loads take. Its tiles share the copy.
// 2. Each warp multiplies the 16 query rows (read from global memory) by
//    its share of Kᵀ's 16-key tiles with WMMA m16n16k16 (f16 operands, f32
//    accumulators) and stores those 16 x 16 scores in shared memory.
// 3. Each warp takes the softmax of its share of the rows, a row at a
//    time, its lanes across the row: scale, mask and causal limit, the
//    maximum and sum by warp shuffles, exp(score - max) written back as
//    f16 over the row's own bytes (every lane has read the row before the
//    shuffles), the sum kept.
// 4. Each warp multiplies the probabilities by its share of the value
//    rows' 16-column tiles (read from global memory) with WMMA and stores
//    the f32 tiles over the score rows; then the block writes each output
//    row divided by its sum as f16.
//
// No score leaves the chip, and the products run on tensor cores: on BERT
// the per-head batched products, the softmax and the mask kernels become
// this one kernel. A row that sees no key is zero, as the CPU's lowering
// gives.
//
//===----------------------------------------------------------------------===//

#include "autoglm/Target/CUDA/Passes.h"

#include "DecodeAttention.h"
#include "EncoderAttention.h"
#include "KernelBuilder.h"

#include "autoglm/Dialect/SeparateOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <limits>

namespace mlir::autoglm {
#define GEN_PASS_DEF_AUTOGLMCUDAENCODERATTENTIONKERNELS
#include "autoglm/Target/CUDA/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;
using namespace mlir::autoglm;

namespace {
/// The row stride of a 4-D buffer whose rows are contiguous (the stride a
/// tensor-core load or store steps by), or nothing. Every row must start
/// 16 bytes apart from the buffer's start (the tensor-core loads and the
/// 16-byte key reads want it): static strides of multiples of 8 elements
/// and an offset of a multiple of 16.
std::optional<int64_t> rowStride(Value buffer) {
  auto type = cast<MemRefType>(buffer.getType());
  SmallVector<int64_t> strides;
  int64_t offset;
  if (failed(type.getStridesAndOffset(strides, offset)) || strides[3] != 1 ||
      ShapedType::isDynamic(offset) || offset % kMmaTile != 0)
    return std::nullopt;
  for (int64_t d = 0; d < 3; ++d)
    if (ShapedType::isDynamic(strides[d]) || strides[d] % 8 != 0)
      return std::nullopt;
  return strides[2];
}

/// The kernel's builder: one decode_attention's shapes and the ops its body
/// is made of.
struct EncoderAttention : KernelArith {
  DecodeAttentionOp op;
  Value query, key, value, mask, out;
  int64_t batch, heads, queries, depth, keys, valueDepth, group;
  int64_t queryStride, valueStride, tiles;
  double scale;
  bool causal;

  EncoderAttention(DecodeAttentionOp op, OpBuilder &b, int64_t queryStride,
                   int64_t valueStride, int64_t tiles)
      : KernelArith{b, op.getLoc()}, op(op), query(op.getQuery()),
        key(op.getKey()), value(op.getValue()), mask(op.getMask()),
        out(op.getInit()), queryStride(queryStride), valueStride(valueStride),
        tiles(tiles), scale(op.getScale().convertToDouble()),
        causal(op.getCausal()) {
    auto q = cast<MemRefType>(query.getType());
    auto k = cast<MemRefType>(key.getType());
    batch = q.getDimSize(0);
    heads = q.getDimSize(1);
    queries = q.getDimSize(2);
    depth = q.getDimSize(3);
    keys = k.getDimSize(2);
    valueDepth = cast<MemRefType>(value.getType()).getDimSize(3);
    group = heads / k.getDimSize(1);
  }

  /// `x` combined across the warp's lanes by `combine`.
  Value acrossWarp(Value x, function_ref<Value(Value, Value)> combine) {
    return acrossLanes(*this, x, kWarpSize, combine);
  }

  Type fragment(int64_t rows, Type element, StringRef operand) {
    return gpu::MMAMatrixType::get({rows, kMmaTile}, element, operand);
  }
  Value loadFragment(Value memref, ValueRange at, int64_t lead,
                     StringRef operand) {
    Type element = cast<MemRefType>(memref.getType()).getElementType();
    return gpu::SubgroupMmaLoadMatrixOp::create(
        b, loc, fragment(kMmaTile, element, operand), memref, at,
        b.getIndexAttr(lead), /*transpose=*/UnitAttr());
  }
  void storeFragment(Value tile, Value memref, ValueRange at, int64_t lead) {
    gpu::SubgroupMmaStoreMatrixOp::create(b, loc, tile, memref, at,
                                          b.getIndexAttr(lead),
                                          /*transpose=*/UnitAttr());
  }
  Value zeroTile() {
    return gpu::SubgroupMmaConstantMatrixOp::create(
        b, loc, fragment(kMmaTile, b.getF32Type(), "COp"), f32(0));
  }
  Value mma(Value lhs, Value rhs, Value acc) {
    return gpu::SubgroupMmaComputeOp::create(b, loc, acc.getType(), lhs, rhs,
                                             acc, UnitAttr(), UnitAttr());
  }

  /// Whether query row `i` of head `h` (batch `n`) sees key `j`, and the
  /// additive mask there (0 without a float mask).
  std::pair<Value, Value> maskAt(Value n, Value h, Value i, Value j) {
    Value yes = arith::ConstantOp::create(b, loc, b.getBoolAttr(true));
    Value allowed = yes, addend = f32(0);
    if (mask) {
      auto mt = cast<MemRefType>(mask.getType());
      Value full[] = {n, h, i, j};
      SmallVector<Value> at;
      for (int64_t d = 0, r = mt.getRank(); d < r; ++d)
        at.push_back(mt.getDimSize(d) == 1 ? idx(0) : full[4 - r + d]);
      Value m = load(mask, at);
      if (mt.getElementType().isInteger(1))
        allowed = m;
      else
        addend = toF32(m);
    }
    if (causal) {
      // Query i sees keys j <= i + Sk - Sq.
      Value limit = add(i, idx(keys - queries));
      Value seen = cmp(arith::CmpIPredicate::sle, j, limit);
      allowed = both(allowed, seen);
    }
    return {allowed, addend};
  }

  void build();
};

void EncoderAttention::build() {
  // A tile's warps split its steps; `rows` are the block's.
  int64_t rows = tiles * kMmaTile, warps = kEncoderWarps;
  int64_t threads = tiles * warps * kWarpSize;
  int64_t keyLead = keys + kKeyRowPadding;
  int64_t scoreLead = keys + kScoreRowPadding;
  auto c = [&](int64_t v) { return idx(v); };
  auto launch = createLaunch(b, loc, {queries / rows, batch * heads}, threads);
  Type f16 = b.getF16Type(), f32Type = b.getF32Type();
  // The transposed keys, f16, and the same bytes as 4-byte words (the
  // copy stores two keys' halves at a time).
  Value keysRaw = launch.addWorkgroupAttribution(
      sharedType(b, {depth * keyLead * 2}, b.getI8Type()), loc);
  // Score rows, f32; the same bytes hold the probabilities (f16, a row's
  // first half) and then the output tile (f32).
  Value scratch = launch.addWorkgroupAttribution(
      sharedType(b, {rows * scoreLead * 4}, b.getI8Type()), loc);
  Value sums =
      launch.addWorkgroupAttribution(sharedType(b, {rows}, f32Type), loc);
  Value zero = c(0);
  Value keysT =
      memref::ViewOp::create(b, loc, sharedType(b, {depth, keyLead}, f16),
                             keysRaw, zero, ValueRange{});
  Value keyWords = memref::ViewOp::create(
      b, loc, sharedType(b, {depth, keyLead / 2}, b.getI32Type()), keysRaw,
      zero, ValueRange{});
  Value scores =
      memref::ViewOp::create(b, loc, sharedType(b, {rows, scoreLead}, f32Type),
                             scratch, zero, ValueRange{});
  Value probs =
      memref::ViewOp::create(b, loc, sharedType(b, {rows, 2 * scoreLead}, f16),
                             scratch, zero, ValueRange{});

  Value tile = launch.getBlockIds().x, bh = launch.getBlockIds().y;
  Value t = launch.getThreadIds().x;
  Value n = div(bh, c(heads)), h = rem(bh, c(heads));
  Value kvh = div(h, c(group));
  Value lane = rem(t, c(kWarpSize));
  Value warp = rem(div(t, c(kWarpSize)), c(warps));
  // The warp's tile: its first score row, and the block's first query.
  Value rowBase = mul(div(t, c(warps * kWarpSize)), c(kMmaTile));
  Value firstQuery = mul(tile, c(rows));

  // 1. Kᵀ into shared memory, 16 bytes of a key row per read. A thread
  //    reads the same 8 columns of two neighbouring keys and stores each
  //    column's pair as one 4-byte word; consecutive lanes take consecutive
  //    key pairs, so a warp's store fills 128 consecutive bytes of one
  //    transposed row (no bank conflicts). A thread issues up to eight
  //    reads before its stores, so their latencies overlap.
  constexpr int64_t kVector = 8;
  int64_t pairs = keys / 2;
  int64_t reads = pairs * depth / kVector;
  int64_t perThread = llvm::divideCeil(reads, threads);
  int64_t unroll = std::min<int64_t>(perThread, 4);
  auto rowType = VectorType::get({kVector}, f16);
  auto pairType = VectorType::get({2}, f16);
  auto wordType = VectorType::get({1}, b.getI32Type());
  loop(zero, c(perThread), c(unroll), [&](Value base) {
    SmallVector<std::tuple<Value, Value, Value, Value, Value>> loaded;
    for (int64_t u = 0; u < unroll; ++u) {
      Value v = add(mul(add(base, c(u)), c(threads)), t);
      Value in = cmp(arith::CmpIPredicate::ult, v, c(reads));
      v = select(in, v, zero);
      Value j = mul(rem(v, c(pairs)), c(2));
      Value d = mul(div(v, c(pairs)), c(kVector));
      auto readRow = [&](Value key_) {
        return vector::LoadOp::create(
                   b, loc, rowType, key, ValueRange{n, kvh, key_, d},
                   /*nontemporal=*/false, llvm::MaybeAlign(2 * kVector))
            .getResult();
      };
      loaded.push_back({in, j, d, readRow(j), readRow(add(j, c(1)))});
    }
    for (auto [in, j, d, even, odd] : loaded) {
      when(in, [&, j = j, d = d, even = even, odd = odd] {
        for (int64_t e = 0; e < kVector; ++e) {
          Value pair = vector::FromElementsOp::create(
              b, loc, pairType,
              ValueRange{vector::ExtractOp::create(b, loc, even, e),
                         vector::ExtractOp::create(b, loc, odd, e)});
          Value word = vector::ExtractOp::create(
              b, loc, vector::BitCastOp::create(b, loc, wordType, pair), 0);
          store(word, keyWords, {add(d, c(e)), div(j, c(2))});
        }
      });
    }
  });
  barrier();

  // 2. Scores: the query rows times the warp's 16-key tiles of Kᵀ.
  SmallVector<Value> queryTiles;
  for (int64_t k = 0; k < depth / kMmaTile; ++k)
    queryTiles.push_back(
        loadFragment(query, {n, h, add(firstQuery, rowBase), c(k * kMmaTile)},
                     queryStride, "AOp"));
  loop(mul(warp, c(kMmaTile)), c(keys), c(warps * kMmaTile), [&](Value j) {
    Value acc = zeroTile();
    for (int64_t k = 0; k < depth / kMmaTile; ++k)
      acc = mma(queryTiles[k],
                loadFragment(keysT, {c(k * kMmaTile), j}, keyLead, "BOp"), acc);
    storeFragment(acc, scores, {rowBase, j}, scoreLead);
  });
  barrier();

  // 3. Softmax of the warp's rows, its lanes across the row.
  int64_t perLane = llvm::divideCeil(keys, kWarpSize);
  loop(warp, c(kMmaTile), c(warps), [&](Value r) {
    Value row = add(rowBase, r);
    Value i = add(firstQuery, row);
    SmallVector<Value> xs, keysAt;
    Value max = negInf();
    for (int64_t s = 0; s < perLane; ++s) {
      // keys is a multiple of 16: the last slot of a lane may be past it.
      Value j = add(lane, c(s * kWarpSize));
      Value in = cmp(arith::CmpIPredicate::ult, j, c(keys));
      Value jc = select(in, j, c(0));
      auto [allowed, addend] = maskAt(n, h, i, jc);
      Value x = add(mul(load(scores, {row, jc}), f32(scale)), addend);
      x = select(both(in, allowed), x, negInf());
      xs.push_back(x);
      keysAt.push_back(j);
      max = arith::MaximumFOp::create(b, loc, max, x);
    }
    max = acrossWarp(max, [&](Value x, Value y) {
      return arith::MaximumFOp::create(b, loc, x, y);
    });
    // A row that sees no key: every exp is 0, and so is its output.
    Value none = cmpf(arith::CmpFPredicate::OEQ, max, negInf());
    Value shift = select(none, f32(0), max);
    Value sum = f32(0);
    SmallVector<Value> ps;
    for (Value x : xs) {
      Value p =
          math::ExpOp::create(b, loc, arith::SubFOp::create(b, loc, x, shift));
      ps.push_back(p);
      sum = add(sum, p);
    }
    sum = acrossWarp(sum, [&](Value x, Value y) { return add(x, y); });
    // Every lane has read the row (the shuffles wait for all of them): the
    // probabilities may overwrite its first half.
    for (auto [p, j] : llvm::zip(ps, keysAt)) {
      Value in = cmp(arith::CmpIPredicate::ult, j, c(keys));
      when(in, [&, p = p, j = j] {
        store(arith::TruncFOp::create(b, loc, f16, p), probs, {row, j});
      });
    }
    Value first = cmp(arith::CmpIPredicate::eq, lane, zero);
    when(first, [&] { store(sum, sums, {row}); });
  });
  barrier();

  // 4. The probabilities times the warp's 16-column tiles of the value
  //    rows, a 16-key slice at a time. Tile e = warp + s * warps; a warp
  //    past the last tile computes the last one again and keeps nothing.
  int64_t outTiles = valueDepth / kMmaTile;
  int64_t perWarp = llvm::divideCeil(outTiles, warps);
  SmallVector<Value> columns, kept, zeros;
  for (int64_t s = 0; s < perWarp; ++s) {
    Value e = add(warp, c(s * warps));
    kept.push_back(cmp(arith::CmpIPredicate::ult, e, c(outTiles)));
    columns.push_back(
        mul(arith::MinUIOp::create(b, loc, e, c(outTiles - 1)), c(kMmaTile)));
    zeros.push_back(zeroTile());
  }
  auto pv = scf::ForOp::create(b, loc, zero, c(keys), c(kMmaTile), zeros);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(pv.getBody());
    Value j = pv.getInductionVar();
    Value p = loadFragment(probs, {rowBase, j}, 2 * scoreLead, "AOp");
    SmallVector<Value> next;
    for (int64_t s = 0; s < perWarp; ++s)
      next.push_back(mma(
          p, loadFragment(value, {n, kvh, j, columns[s]}, valueStride, "BOp"),
          pv.getRegionIterArgs()[s]));
    scf::YieldOp::create(b, loc, next);
  }
  // Every warp has read the probabilities: the output tiles go over them.
  barrier();
  for (int64_t s = 0; s < perWarp; ++s) {
    when(kept[s], [&] {
      storeFragment(pv.getResult(s), scores, {rowBase, columns[s]}, scoreLead);
    });
  }
  barrier();
  loop(t, c(rows * valueDepth), c(threads), [&](Value p) {
    Value row = div(p, c(valueDepth)), e = rem(p, c(valueDepth));
    Value sum = load(sums, {row});
    Value empty = cmpf(arith::CmpFPredicate::OEQ, sum, f32(0));
    Value inverse =
        select(empty, f32(0), arith::DivFOp::create(b, loc, f32(1), sum));
    Value o = mul(load(scores, {row, e}), inverse);
    store(arith::TruncFOp::create(b, loc, f16, o), out,
          {n, h, add(firstQuery, row), e});
  });
}

/// The encoder kernel for `op`, or failure (nothing built) when it does
/// not take it: the dense decode kernels then do.
LogicalResult buildEncoderAttention(DecodeAttentionOp op) {
  auto q = cast<MemRefType>(op.getQuery().getType());
  auto k = cast<MemRefType>(op.getKey().getType());
  auto v = cast<MemRefType>(op.getValue().getType());
  int64_t keys = k.getDimSize(2);
  if (!q.getElementType().isF16() || op.getNewKey() || op.getSeqMajor() ||
      op.getTopKAttr().getInt() < keys || op.getSinkAttr().getInt() != 0 ||
      op.getWindowAttr().getInt() != 0)
    return failure();
  std::optional<int64_t> queryStride = rowStride(op.getQuery());
  std::optional<int64_t> valueStride = rowStride(op.getValue());
  if (!takesEncoderAttention(q.getDimSize(2), keys, q.getDimSize(3),
                             v.getDimSize(3)) ||
      !queryStride || !valueStride || !rowStride(op.getKey()))
    return failure();
  OpBuilder b(op);
  int64_t tiles = encoderAttentionTiles(q.getDimSize(0) * q.getDimSize(1),
                                        q.getDimSize(2), keys, q.getDimSize(3));
  EncoderAttention att(op, b, *queryStride, *valueStride, tiles);
  att.build();
  op.erase();
  return success();
}

struct EncoderAttentionKernelsPass
    : autoglm::impl::AutoGLMCUDAEncoderAttentionKernelsBase<
          EncoderAttentionKernelsPass> {
  void runOnOperation() override {
    SmallVector<DecodeAttentionOp> ops;
    getOperation().walk([&](DecodeAttentionOp op) {
      if (op.getResultTensors().empty() &&
          cast<MemRefType>(op.getQuery().getType()).getDimSize(2) >
              kMaxDecodeQueries)
        ops.push_back(op);
    });
    for (DecodeAttentionOp op : ops)
      (void)buildEncoderAttention(op);
  }
};
} // namespace
