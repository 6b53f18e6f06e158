//===- DecodeAttentionKernels.cpp - top-k decode attention on the GPU -----===//
//
// `autoglm.decode_attention` on buffers becomes two kernels (the semantics
// are `autoglm.topk_attention`'s, docs/sparse-attention.md):
//
// 1. Score and select, a block per (query row, chunk of C keys), a thread
//    per key. Neighbouring lanes read each key row 16 bytes at a time
//    (each with its elements of the group's query heads, scaled, in
//    registers) and their products with the heads meet by shuffles, into
//    the chunk's scores in shared memory. Each thread takes the best masked
//    score over the heads as its key's rank, and the block sorts the chunk's
//    (rank, key) pairs descending (a bitonic network, ties to the lower key).
//    The best T of each chunk go to a scratch list, and with a mask the number
//    of visible keys that some head sees. Reading the keys is spread over every
//    chunk of every row, so the whole GPU reads the cache; no score row is
//    written.
// 2. Keep and attend: the dense partial kernel below with one block per
//    query head (keepTokens). It attends to the row's sinks and window
//    before it waits for kernel 1 (their keys follow from the row's
//    position), then lists the other keys it keeps in shared memory: the
//    best top_k candidates of the chunks' lists, found by a radix select
//    over their ranks (four rounds of a 256-bin histogram in shared
//    memory), or every valid candidate when the row has no more valid keys
//    than the budget (the row is then exact, as on the CPU); and attends
//    over the list, reading the key and value rows in place at the listed
//    indices, and writes the result.
//
// T is the power of two above the budget (top_k + sink + window), so a
// chunk's list holds every valid candidate of a row that is exact, and a
// full list tells that the row is not.
//
// A decode_attention whose top_k is at least the number of keys keeps every
// key: it is dense attention (dense decode attention, which
// SelectDecodeAttention.cpp selects), and nothing is ranked. It becomes
// split-key (flash-decoding) kernels:
//
// 1. Partial attention, blocks per (query row, block of the group's heads)
//    that take the row's keys in turns, by runs of a few dozen.
//    Neighbouring lanes read a key row and its value row 16 bytes at a
//    time (the rows coalesce), several rows' loads in flight per thread;
//    each thread keeps its elements of the heads' query rows and an online
//    softmax piece per head (largest score, sum of exponentials, weighted
//    value sums) in registers. A score is the lanes' dot products summed by
//    warp shuffles; the pieces of a warp's rows meet by shuffles, the
//    warps' in shared memory, and the block's piece per head goes to
//    scratch.
// 2. Combine, a block per (query row, 32 output elements): slices of the
//    block merge the pieces of the row's blocks that had keys in turns,
//    then the slices' pieces meet in shared memory; the quotient of
//    weighted sum and sum is written (zeros for a head that sees no key).
//
// With a page size (page granularity), kernel 1 ranks pages instead of keys
// from their key bounds (read a few lanes per bound row, 16 bytes at a
// time) and marks, in a bitmap, every candidate page that some head sees.
// Kernel 2 is again the dense partial kernel with one block per query head
// (keepPages), which merges the chunks' sorted lists of pages into the
// row's kept keys (the chosen pages' keys; for an exact row the keys of
// every marked page). In both modes there is no combine kernel, and no
// block that has nothing to do. Page mode's lists hold only the
// ceil(top_k / page size) pages chosen by rank.
//
//===----------------------------------------------------------------------===//

#include "autoglm/Target/CUDA/Passes.h"

#include "DecodeAttention.h"
#include "KernelBuilder.h"

#include "autoglm/Dialect/SeparateOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include "llvm/ADT/bit.h"
#include "llvm/Support/MathExtras.h"

#include <limits>

namespace mlir::autoglm {
#define GEN_PASS_DEF_AUTOGLMCUDADECODEATTENTIONKERNELS
#include "autoglm/Target/CUDA/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;
using namespace mlir::autoglm;

namespace {
/// Keys (pages, in page mode) a block of the first kernel ranks at most,
/// when the budget's lists are no longer: a thread per key.
constexpr int64_t kChunkKeys = 256;
/// In token mode, up to this many when there are enough blocks without:
/// the second kernel reads every chunk's list, so fewer, larger chunks
/// shorten it.
constexpr int64_t kMaxChunkKeys = 1024;
/// Blocks the first kernel aims at: its chunks are small enough that the
/// keys (token mode, within kMaxTokenChunks) or the page bounds (page
/// mode) are read by many SMs at once.
constexpr int64_t kSelectBlocks = 256;
/// In token mode, the most chunks of a row where kSelectBlocks blocks
/// would cut it into more: each chunk adds its list to what the second
/// kernel reads in each of its passes (a row's 32 lists of 128 entries at
/// the default budget, 4096 entries).
constexpr int64_t kMaxTokenChunks = 32;
/// The most candidates (chunks x list entries) of a row that page mode's
/// attention kernel sorts in one bitonic network, a thread per entry; more
/// are merged chunk by chunk.
constexpr int64_t kSortedCandidates = kDenseDecodeThreads;
/// Bins of each round of token mode's radix select (keepTokens): 8 bits of
/// a rank at a time, a thread of the attention kernel per bin.
constexpr int64_t kRadixBins = 256;
static_assert(kDenseDecodeThreads >= kRadixBins, "a thread per radix bin");
/// The key index of an empty entry of a candidate list: sorts after every
/// real key of equal (-inf) rank.
constexpr int32_t kNoKey = std::numeric_limits<int32_t>::max();
/// log2(e): the dense kernels' scores are in base 2, so that each softmax
/// weight is one exp2.
constexpr double kLog2E = 1.4426950408889634;
/// Chunks' pieces a thread of the dense combine kernel loads before it
/// uses them.
constexpr int64_t kChunksInFlight = 8;

/// The rows of a decode_attention's keys (or values) as the kernels read
/// them, B x Hkv x S x D: `rows`, then, from position `count` on, `more`
/// (new_key, new_value). Each is a view of its operand's buffer, transposed
/// in place when the op is seq_major. Kernels take buffers of static
/// layout (bare pointers), so two parts are read through flat views of
/// one type, a row's buffer picked by a select rather than a branch and
/// its element offset computed from the part's strides.
struct CacheRows {
  Value rows, more;
  int64_t count = 0;
  /// Whether every row is contiguous and starts at a multiple of 16 bytes
  /// from the buffer's start: the kernels read it 16 bytes at a time.
  bool aligned = true;

  /// A key or value row: `at` indexes its first element in `memref`, all
  /// but the last index (one part), or all of them (flat views).
  struct Row {
    Value memref;
    SmallVector<Value> at;
  };

  CacheRows() = default;
  CacheRows(OpBuilder &b, DecodeAttentionOp op, Value part, Value extra) {
    rows = headMajorView(b, op, part);
    rowsType = cast<MemRefType>(rows.getType());
    count = rowsType.getDimSize(2);
    aligned = rowsAligned(rowsType);
    if (!extra)
      return;
    more = headMajorView(b, op, extra);
    moreType = cast<MemRefType>(more.getType());
    aligned = aligned && rowsAligned(moreType);
    int64_t elements = std::max(extent(rowsType), extent(moreType));
    auto flat =
        MemRefType::get({elements}, rowsType.getElementType(),
                        MemRefLayoutAttrInterface(), rowsType.getMemorySpace());
    auto flatten = [&](Value view) {
      return memref::ReinterpretCastOp::create(
          b, op.getLoc(), flat, view, /*offset=*/0,
          /*sizes=*/ArrayRef<int64_t>{elements},
          /*strides=*/ArrayRef<int64_t>{1});
    };
    rows = flatten(rows);
    more = flatten(more);
  }

  /// Whether `op`'s key and value operands (its buffers, views of any
  /// layout) have the static strides and offsets that reading two parts
  /// through flat views computes with; one part reads any layout.
  static bool readable(DecodeAttentionOp op) {
    if (!op.getNewKey())
      return true;
    return llvm::all_of(
        ValueRange{op.getKey(), op.getNewKey(), op.getValue(),
                   op.getNewValue()},
        [](Value v) {
          auto [strides, offset] =
              cast<MemRefType>(v.getType()).getStridesAndOffset();
          return !ShapedType::isDynamic(offset) &&
                 llvm::none_of(strides, ShapedType::isDynamic);
        });
  }

  /// Row `j` of batch `batch` and key/value head `head`.
  Row at(const KernelArith &a, Value batch, Value head, Value j) const {
    if (!more)
      return {rows, {batch, head, j}};
    Value inMore = a.cmp(arith::CmpIPredicate::sge, j, a.idx(count));
    Value start = a.select(
        inMore, offset(a, moreType, batch, head, a.sub(j, a.idx(count))),
        offset(a, rowsType, batch, head, j));
    return {a.select(inMore, more, rows), {start}};
  }

  /// Element `d` of row `j`, in f32.
  Value load(const KernelArith &a, Value batch, Value head, Value j,
             Value d) const {
    Row row = at(a, batch, head, j);
    if (more)
      row.at.back() = a.add(row.at.back(), d);
    else
      row.at.push_back(d);
    return a.toF32(a.load(row.memref, row.at));
  }

  /// The B x Hkv x S x D type of the rows (of the first part).
  MemRefType rowType() const { return rowsType; }

private:
  /// The parts' B x Hkv x S x D views, before the flat views.
  MemRefType rowsType, moreType;

  static Value headMajorView(OpBuilder &b, DecodeAttentionOp op, Value v) {
    if (!op.getSeqMajor())
      return v;
    AffineMap swap = AffineMap::getPermutationMap(
        ArrayRef<unsigned>{0, 2, 1, 3}, b.getContext());
    return memref::TransposeOp::create(b, op.getLoc(), v,
                                       AffineMapAttr::get(swap));
  }

  /// Elements from the buffer's start to one past the view's last.
  static int64_t extent(MemRefType type) {
    auto [strides, offset] = type.getStridesAndOffset();
    int64_t last = offset;
    for (int64_t d = 0; d < type.getRank(); ++d)
      last += (type.getDimSize(d) - 1) * strides[d];
    return last + 1;
  }

  /// The element offset of row `j` in the flat view of a `layout` view.
  static Value offset(const KernelArith &a, MemRefType layout, Value batch,
                      Value head, Value j) {
    auto [strides, start] = layout.getStridesAndOffset();
    Value at = a.idx(start);
    Value indices[] = {batch, head, j};
    for (int64_t d = 0; d < 3; ++d)
      at = a.add(at, a.mul(indices[d], a.idx(strides[d])));
    return at;
  }

  static bool rowsAligned(MemRefType type) {
    auto [strides, offset] = type.getStridesAndOffset();
    int64_t vector = 128 / type.getElementTypeBitWidth();
    if (strides.back() != 1 || ShapedType::isDynamic(offset) ||
        offset % vector != 0)
      return false;
    for (int64_t d = 0; d + 1 < type.getRank(); ++d)
      if (type.getDimSize(d) != 1 &&
          (ShapedType::isDynamic(strides[d]) || strides[d] % vector != 0))
        return false;
    return true;
  }
};

/// One decode_attention's shapes and attributes, and the code both kernels
/// share: the query row's indices and visible keys, the query heads in
/// shared memory, scores and masks.
struct DecodeAttention {
  DecodeAttentionOp op;
  Value query, mask, pageMin, pageMax, out;
  /// With fresh_page, where the select kernel writes the bounds of the
  /// pages it computes from the keys, and the first of those pages.
  Value newPageMin, newPageMax;
  int64_t freshPage = 0;
  CacheRows key, value;
  int64_t batch, heads, queries, depth, kvHeads, keys, valueDepth, group;
  int64_t topK, sink, window, budget, listSize, chunk, chunks, bufferSize;
  /// Page granularity when pageSize > 0: the select kernel ranks `pages`
  /// pages (its chunks and lists are of pages, bufferSize the pages chosen
  /// by rank). A row attends to at most `pageEarlyKeys` sink and window
  /// keys, then to the keys of the pages it keeps: at most
  /// `pageListedKeys` when it is not exact, `pageKeptKeys` when it is.
  int64_t pageSize = 0, pages = 0, pageEarlyKeys = 0, pageListedKeys = 0,
          pageKeptKeys = 0;
  double scale;
  bool causal, maskVariesByHead = false;

  /// Builds the key and value views before `op` with `b`.
  DecodeAttention(OpBuilder &b, DecodeAttentionOp op)
      : op(op), query(op.getQuery()), mask(op.getMask()),
        pageMin(op.getPageMin()), pageMax(op.getPageMax()), out(op.getInit()),
        newPageMin(op.getNewPageMin()), newPageMax(op.getNewPageMax()),
        freshPage(op.getFreshPage().value_or(0)),
        key(b, op, op.getKey(), op.getNewKey()),
        value(b, op, op.getValue(), op.getNewValue()) {
    auto q = cast<MemRefType>(query.getType());
    batch = q.getDimSize(0);
    heads = q.getDimSize(1);
    queries = q.getDimSize(2);
    depth = q.getDimSize(3);
    kvHeads = key.rowType().getDimSize(1);
    keys = op.numKeys();
    valueDepth = value.rowType().getDimSize(3);
    group = heads / kvHeads;
    topK = op.getTopKAttr().getInt();
    sink = op.getSinkAttr().getInt();
    window = op.getWindowAttr().getInt();
    budget = topK + sink + window;
    listSize = llvm::PowerOf2Ceil(budget + 1);
    // About kSelectBlocks blocks, but at most kMaxTokenChunks chunks a
    // row, in chunks of kChunkKeys to kMaxChunkKeys keys, as long as the
    // chunk's scores fit in shared memory.
    chunk =
        std::clamp<int64_t>(llvm::PowerOf2Ceil(std::max(
                                llvm::divideCeil(keys * rows(), kSelectBlocks),
                                llvm::divideCeil(keys, kMaxTokenChunks))),
                            kChunkKeys, kMaxChunkKeys);
    chunk = std::max<int64_t>(
        listSize, std::min<int64_t>(chunk, llvm::PowerOf2Ceil(keys)));
    while (chunk > std::max(kChunkKeys, listSize) &&
           selectShared() > kDecodeSharedBytes)
      chunk /= 2;
    chunks = llvm::divideCeil(keys, chunk);
    bufferSize = std::max<int64_t>(1, std::min(topK, keys));
    if (std::optional<int64_t> page = op.getPageSize()) {
      pageSize = *page;
      pages = keys / pageSize;
      bufferSize = chosenDecodeAttentionPages(topK, pageSize, pages);
      // The lists hold the pages chosen by rank only: an exact row attends
      // to all of its visible keys without them.
      listSize = llvm::PowerOf2Ceil(bufferSize);
      // The shuffles of the bounds' dot products need whole warps.
      // About kSelectBlocks blocks rank the pages, as long as the chunks'
      // lists stay few enough to be sorted together.
      chunk = std::max(
          {listSize, int64_t(kWarpSize),
           std::min<int64_t>(kChunkKeys, llvm::PowerOf2Ceil(llvm::divideCeil(
                                             pages * rows(), kSelectBlocks)))});
      while (chunk < kChunkKeys && chunk < int64_t(llvm::PowerOf2Ceil(pages)) &&
             int64_t(llvm::divideCeil(pages, chunk)) * listSize >
                 kSortedCandidates)
        chunk *= 2;
      chunks = llvm::divideCeil(pages, chunk);
      // The sink pages and the window's keys (up to a page more than the
      // window: it starts at a page boundary); then the chosen pages or, in
      // an exact row, every other page that some head sees: no more than
      // the budget, since each holds a valid key.
      pageEarlyKeys = std::min<int64_t>(keys, llvm::alignTo(sink, pageSize) +
                                                  window + pageSize - 1);
      pageListedKeys = std::min(keys, bufferSize * pageSize);
      pageKeptKeys = std::min(
          keys, std::max(bufferSize, std::min(budget, pages)) * pageSize);
    }
    scale = op.getScale().convertToDouble();
    causal = op.getCausal();
    if (mask) {
      auto mt = cast<MemRefType>(mask.getType());
      int64_t headDim = mt.getRank() - 3;
      maskVariesByHead = headDim >= 0 && mt.getDimSize(headDim) != 1;
    }
  }

  int64_t rows() const { return batch * kvHeads * queries; }
  /// The groups of 2 listSize threads that merge a row's chunk lists side
  /// by side in a block of `threads` threads: a power of two, at most one
  /// per chunk.
  int64_t mergeGroups(int64_t threads) const {
    return std::max<int64_t>(
        1, std::min<int64_t>(threads / (2 * listSize),
                             int64_t(llvm::bit_floor(
                                 uint64_t(std::max<int64_t>(chunks, 1))))));
  }
  /// Shared entries (ranks and keys each) of mergeLists' groups.
  int64_t mergeEntries(int64_t threads) const {
    return 2 * listSize * mergeGroups(threads);
  }
  /// Shared entries (ranks and keys each) with which page mode's attention
  /// kernel, of `threads` threads, sorts or merges the chunks' lists.
  int64_t pageListEntries(int64_t threads) const {
    int64_t sorted = sortedCandidates();
    return sorted ? sorted : mergeEntries(threads);
  }
  /// Threads of the select kernel: one per key of a chunk in token mode; in
  /// page mode at least 256, so that a few loads per thread read the
  /// chunk's bound rows.
  int64_t selectThreads() const {
    return pageSize ? std::max<int64_t>(chunk, 256) : chunk;
  }
  /// Entries page mode's attention kernel sorts at once (all chunks'
  /// lists), or 0 when it merges them chunk by chunk.
  int64_t sortedCandidates() const {
    int64_t n = llvm::PowerOf2Ceil(chunks * listSize);
    return pageSize && n <= kSortedCandidates ? n : 0;
  }

  /// Words of page mode's bitmap of the pages some head sees (per row, a
  /// bit per page of every chunk).
  int64_t pageWords() const { return chunks * chunk / kWarpSize; }

  /// Bytes of shared memory of the select kernel.
  int64_t selectShared() const {
    return 4 *
           (2 * chunk + 1 + group * chunk + (pageSize ? chunk / kWarpSize : 0));
  }

  /// The row's indices (batch, key/value head, query) from its number.
  struct Row {
    Value b, h, i;
    Value visible, sinkEnd, windowStart;
  };

  Row row(const KernelArith &a, Value r) const {
    Row row;
    row.i = a.rem(r, a.idx(queries));
    row.h = a.rem(a.div(r, a.idx(queries)), a.idx(kvHeads));
    row.b = a.div(r, a.idx(queries * kvHeads));
    // Query i sees keys j <= i + Sk - Sq.
    row.visible = a.idx(keys);
    if (causal)
      row.visible =
          a.min(a.max(a.add(row.i, a.idx(keys - queries + 1)), a.idx(0)),
                a.idx(keys));
    Value recent = a.sub(row.visible, a.idx(window));
    if (!pageSize) {
      row.sinkEnd = a.min(a.idx(sink), row.visible);
      row.windowStart = a.max(row.sinkEnd, recent);
      return row;
    }
    // Whole pages: those holding a sink or a window key, and a last page
    // the query sees only in part, so that every candidate page is whole.
    row.sinkEnd =
        a.min(a.idx(int64_t(llvm::alignTo(sink, pageSize))), row.visible);
    Value start = a.div(a.max(recent, a.idx(0)), a.idx(pageSize));
    row.windowStart = a.max(row.sinkEnd, a.mul(start, a.idx(pageSize)));
    return row;
  }

  /// Whether head `g` (of the group) may see key `j`, and the additive mask
  /// value (0 without a float mask).
  std::pair<Value, Value> maskAt(const KernelArith &a, const Row &row, Value g,
                                 Value j) const {
    Value yes = arith::ConstantOp::create(a.b, a.loc, a.b.getBoolAttr(true));
    if (!mask)
      return {yes, a.f32(0)};
    auto mt = cast<MemRefType>(mask.getType());
    Value head = a.add(a.mul(row.h, a.idx(group)), g);
    Value full[] = {row.b, head, row.i, j};
    SmallVector<Value> at;
    for (int64_t d = 0, r = mt.getRank(); d < r; ++d)
      at.push_back(mt.getDimSize(d) == 1 ? a.idx(0) : full[4 - r + d]);
    Value m = a.load(mask, at);
    if (mt.getElementType().isInteger(1))
      return {m, a.f32(0)};
    Value add = a.toF32(m);
    Value allowed = a.cmpf(arith::CmpFPredicate::OGT, add, a.negInf());
    return {allowed, add};
  }

  /// Whether some head of the group may see key `j`.
  Value anyHeadSees(const KernelArith &a, const Row &row, Value j) const {
    Value any = maskAt(a, row, a.idx(0), j).first;
    if (maskVariesByHead)
      for (int64_t g = 1; g < group; ++g)
        any = a.either(any, maskAt(a, row, a.idx(g), j).first);
    return any;
  }

  /// A head's score from its dot product and its mask at the key
  /// (maskAt): -inf where the head may not see the key.
  static Value masked(const KernelArith &a, std::pair<Value, Value> mask,
                      Value dot) {
    return a.select(mask.first, a.add(dot, mask.second), a.negInf());
  }

  /// The rank of key `j`: its best masked score over the group's heads,
  /// `dot(g)` the scaled dot product of head g (of the group) with it.
  Value rank(const KernelArith &a, const Row &row, Value j,
             function_ref<Value(int64_t)> dot) const {
    Value best;
    for (int64_t g = 0; g < group; ++g) {
      Value s = masked(a, maskAt(a, row, a.idx(g), j), dot(g));
      best = g == 0 ? s : arith::MaximumFOp::create(a.b, a.loc, best, s);
    }
    return best;
  }

  /// Whether entry (r1, i1) goes before (r2, i2): a higher rank, or an
  /// equal rank and a lower key.
  static Value better(const KernelArith &a, Value r1, Value i1, Value r2,
                      Value i2) {
    Value higher = a.cmpf(arith::CmpFPredicate::OGT, r1, r2);
    Value tie = a.both(a.cmpf(arith::CmpFPredicate::OEQ, r1, r2),
                       a.cmp(arith::CmpIPredicate::slt, i1, i2));
    return a.either(higher, tie);
  }

  /// Compares the entries `t` and `t ^ distance` of the shared lists
  /// (ranks, keys) and swaps them unless they are in order: descending
  /// when `descending` holds, else ascending. Only the lower of the two
  /// threads does the work.
  static void compareExchange(const KernelArith &a, Value ranks, Value keys,
                              Value t, Value distance, Value descending) {
    Value partner = arith::XOrIOp::create(a.b, a.loc, t, distance);
    a.when(a.cmp(arith::CmpIPredicate::ugt, partner, t), [&] {
      Value r1 = a.load(ranks, {t}), i1 = a.load(keys, {t});
      Value r2 = a.load(ranks, {partner}), i2 = a.load(keys, {partner});
      Value partnerFirst = better(a, r2, i2, r1, i1);
      Value selfFirst = better(a, r1, i1, r2, i2);
      Value swap = a.select(descending, partnerFirst, selfFirst);
      a.when(swap, [&] {
        a.store(r2, ranks, {t});
        a.store(i2, keys, {t});
        a.store(r1, ranks, {partner});
        a.store(i1, keys, {partner});
      });
    });
  }
};

/// How the dense kernels read rows of `depth` elements of `memref`.
DenseRowReads denseReads(Value memref, int64_t depth) {
  auto type = cast<MemRefType>(memref.getType());
  return DenseRowReads(depth, type.getElementTypeBitWidth(),
                       type.getLayout().isIdentity());
}

/// How the dense kernels read the key or value rows of `rows`.
DenseRowReads denseReads(const CacheRows &rows, int64_t depth) {
  return DenseRowReads(depth, rows.rowType().getElementTypeBitWidth(),
                       rows.aligned);
}

/// The `width` elements of row `at` (all indices but the last, or for a
/// flat view the row's first element) of `memref` from element `start` on, in
/// f32: one vector load where `width` > 1.
SmallVector<Value> loadRowElements(const KernelArith &a, Value memref,
                                   int64_t width, ArrayRef<Value> at,
                                   Value start) {
  auto type = cast<MemRefType>(memref.getType());
  SmallVector<Value> indices(at);
  // `at` may index the row's first element itself (a flat view).
  if (int64_t(indices.size()) == type.getRank())
    indices.back() = a.add(indices.back(), start);
  else
    indices.push_back(start);
  if (width == 1)
    return {a.toF32(a.load(memref, indices))};
  auto vectorType = VectorType::get({width}, type.getElementType());
  Value vector = vector::LoadOp::create(
      a.b, a.loc, vectorType, memref, indices, /*nontemporal=*/false,
      llvm::MaybeAlign(width * type.getElementTypeBitWidth() / 8));
  SmallVector<Value> elements;
  for (int64_t e = 0; e < width; ++e)
    elements.push_back(
        a.toF32(vector::ExtractOp::create(a.b, a.loc, vector, e)));
  return elements;
}

/// How the select kernel reads the bound rows (`depth` elements) of a
/// buffer: as the dense kernels read rows (denseReads), `vectors` accesses
/// per row spread over `lanes` (a power of two, at most `maxLanes`)
/// neighbouring threads.
struct RowReads {
  int64_t width, vectors, lanes;

  RowReads(const DenseRowReads &reads, int64_t maxLanes) {
    width = reads.width;
    vectors = reads.vectors;
    lanes = std::min<int64_t>(maxLanes, llvm::PowerOf2Ceil(vectors));
  }

  /// The `width` elements of row `at` (all indices but the last) from
  /// element `start` on, in f32.
  SmallVector<Value> load(const KernelArith &a, Value memref,
                          ArrayRef<Value> at, Value start) const {
    return loadRowElements(a, memref, width, at, start);
  }
};

/// The row (of a chunk) that the thread of `slot` reads `u`-th in
/// iteration `it`, when `slots` slots of threads take `unroll` rows each per
/// iteration: rows of one `u` are neighbours across the slots.
Value slotRow(const KernelArith &a, Value it, int64_t unroll, Value u,
              int64_t slots, Value slot) {
  return a.add(a.mul(a.add(a.mul(it, a.idx(unroll)), u), a.idx(slots)), slot);
}
Value slotRow(const KernelArith &a, Value it, int64_t unroll, int64_t u,
              int64_t slots, Value slot) {
  return slotRow(a, it, unroll, a.idx(u), slots, slot);
}

/// Sums over rows of `depth` elements, for each of `rows` rows per thread
/// and each of the group's `group` query heads (`query(g, d)`: element d
/// of head g, f32): the `lanes` neighbouring threads of `reads` split each
/// row, each summing `term(q, x, sum)` over its elements, q the head's
/// element and x the rows' elements there (one per buffer `load` reads),
/// and the lanes' sums meet by shuffles. `load(d0)` reads, for each row and
/// buffer, the `width` elements from d0 on ([row][buffer][element]): all of
/// them before any is used. Returns the sums, [row * G + head], spread over
/// the lanes (spreadSumsAcrossLanes); every lane of the warp must get here.
SpreadSums sumOverRows(
    const KernelArith &a, const RowReads &reads,
    function_ref<Value(int64_t, Value)> query, int64_t group, int64_t rows,
    Value lane,
    function_ref<SmallVector<SmallVector<SmallVector<Value>>>(Value)> load,
    function_ref<Value(Value, ArrayRef<Value>, Value)> term) {
  OpBuilder &b = a.b;
  SmallVector<Value> zeros(group * rows, a.f32(0));
  auto loop = scf::ForOp::create(b, a.loc, lane, a.idx(reads.vectors),
                                 a.idx(reads.lanes), zeros);
  {
    OpBuilder::InsertionGuard inner(b);
    b.setInsertionPointToStart(loop.getBody());
    Value d0 = a.mul(loop.getInductionVar(), a.idx(reads.width));
    SmallVector<SmallVector<SmallVector<Value>>> elements = load(d0);
    SmallVector<Value> partial(loop.getRegionIterArgs());
    for (int64_t g = 0; g < group; ++g)
      for (int64_t e = 0; e < reads.width; ++e) {
        Value q = query(g, a.add(d0, a.idx(e)));
        for (int64_t u = 0; u < rows; ++u) {
          SmallVector<Value> x;
          for (ArrayRef<Value> buffer : elements[u])
            x.push_back(buffer[e]);
          partial[u * group + g] = term(q, x, partial[u * group + g]);
        }
      }
    scf::YieldOp::create(b, a.loc, partial);
  }
  return spreadSumsAcrossLanes(a, SmallVector<Value>(loop.getResults()),
                               reads.lanes, lane);
}

/// Kernel 1's sums over the rows of a chunk, for every query head of the
/// group: row `first + k` (k < chunk; past `rowCount`, the last row is
/// read and its sums never used) read as the dense kernel reads key rows,
/// `reads.lanes` neighbouring threads per row, 16 bytes each per access,
/// `unroll` rows per slot of lanes in flight; each lane sums `term(q, x,
/// sum)` over its elements (`load(row, d0)` reads the row's elements from
/// d0 on, one list per buffer), the lanes' sums meet by shuffles, and the
/// head's sum for row k goes to `sums` ([G, chunk] f32, shared). Ends with
/// a barrier.
void chunkSums(const KernelArith &a, const DecodeAttention &att,
               const DecodeAttention::Row &row, Value first, Value t,
               int64_t rowCount, const RowReads &reads,
               function_ref<SmallVector<SmallVector<Value>>(Value, Value)> load,
               function_ref<Value(Value, ArrayRef<Value>, Value)> term,
               Value sums) {
  int64_t group = att.group, chunk = att.chunk;
  // Slots of `lanes` threads read a row each, `unroll` per step; a slot
  // past the chunk's rows reads the last row and stores nothing.
  int64_t slots = att.selectThreads() / reads.lanes;
  int64_t unroll = std::clamp<int64_t>(chunk / slots, 1, kDecodeKeysInFlight);
  int64_t steps = llvm::divideCeil(chunk, slots * unroll);
  Value slot = a.div(t, a.idx(reads.lanes));
  Value lane = a.rem(t, a.idx(reads.lanes));
  a.loop(a.idx(0), a.idx(steps), a.idx(1), [&](Value it) {
    SmallVector<Value> rows;
    for (int64_t u = 0; u < unroll; ++u) {
      Value k = slotRow(a, it, unroll, u, slots, slot);
      rows.push_back(a.min(a.add(first, k), a.idx(rowCount - 1)));
    }
    // The lane's elements of the query heads, scaled, read from global
    // memory with the rows: no shared copy to wait for.
    auto query = [&](int64_t g, Value d) {
      Value head = a.add(a.mul(row.h, a.idx(group)), a.idx(g));
      return a.mul(a.toF32(a.load(att.query, {row.b, head, row.i, d})),
                   a.f32(att.scale));
    };
    SpreadSums totals = sumOverRows(
        a, reads, query, group, unroll, lane,
        [&](Value d0) {
          SmallVector<SmallVector<SmallVector<Value>>> elements;
          for (Value r : rows)
            elements.push_back(load(r, d0));
          return elements;
        },
        term);
    // Each lane stores the sums it holds (one of the lanes holding the
    // same sum): sum i is head i % G of the slot's row i / G.
    int64_t n = llvm::PowerOf2Ceil(unroll * group);
    Value stores = a.idx(0);
    if (n < reads.lanes)
      stores = a.rem(lane, a.idx(reads.lanes / n));
    a.when(a.cmp(arith::CmpIPredicate::eq, stores, a.idx(0)), [&] {
      for (size_t j = 0; j < totals.sums.size(); ++j) {
        Value total = totals.sums[j];
        Value i = a.add(totals.first, a.idx(j));
        Value u = a.div(i, a.idx(group)), g = a.rem(i, a.idx(group));
        Value k = slotRow(a, it, unroll, u, slots, slot);
        a.when(
            a.both(a.cmp(arith::CmpIPredicate::ult, i, a.idx(unroll * group)),
                   a.cmp(arith::CmpIPredicate::ult, k, a.idx(chunk))),
            [&] { a.store(total, sums, {g, k}); });
      }
    });
  });
  a.barrier();
}

/// Token mode's entries of kernel 1: thread `t` ranks key `c * chunk + t`
/// into `ranks` and `keys` (shared, an entry per thread; -inf and kNoKey
/// for a key that is no candidate) and counts it in `seenCount` when some
/// head sees it. The chunk's dot products with the group's query heads
/// are summed first (chunkSums into `dots`, [G, chunk] f32), the key rows
/// read by neighbouring lanes 16 bytes at a time, as the dense kernel
/// reads them.
void rankKeys(const KernelArith &a, const DecodeAttention &att,
              const DecodeAttention::Row &row, Value c, Value t, Value ranks,
              Value keys, Value seenCount, Value dots) {
  OpBuilder &b = a.b;
  Location loc = a.loc;
  Value first = a.mul(c, a.idx(att.chunk));
  RowReads reads(denseReads(att.key, att.depth), kWarpSize);
  chunkSums(
      a, att, row, first, t, att.keys, reads,
      [&](Value k, Value d0) {
        CacheRows::Row keyRow = att.key.at(a, row.b, row.h, k);
        return SmallVector<SmallVector<Value>>{
            reads.load(a, keyRow.memref, keyRow.at, d0)};
      },
      [&](Value q, ArrayRef<Value> x, Value sum) {
        return math::FmaOp::create(b, loc, q, x[0], sum).getResult();
      },
      dots);
  Value j = a.add(first, t);
  Value inView = a.cmp(arith::CmpIPredicate::slt, j, row.visible);
  Value seen = inView;
  if (att.mask) {
    Type i1 = b.getI1Type();
    seen = a.ifElse(
        inView, i1,
        [&] { return SmallVector<Value>{att.anyHeadSees(a, row, j)}; },
        [&] {
          return SmallVector<Value>{
              arith::ConstantOp::create(b, loc, b.getBoolAttr(false))};
        })[0];
    a.when(seen, [&] {
      memref::AtomicRMWOp::create(b, loc, arith::AtomicRMWKind::addi, a.i32(1),
                                  seenCount, ValueRange{a.idx(0)});
    });
  }
  Value candidate = a.both(
      seen, a.both(a.cmp(arith::CmpIPredicate::sge, j, row.sinkEnd),
                   a.cmp(arith::CmpIPredicate::slt, j, row.windowStart)));
  Type f32 = b.getF32Type(), i32 = b.getI32Type();
  SmallVector<Value> entry = a.ifElse(
      candidate, TypeRange{f32, i32},
      [&] {
        Value rank = att.rank(
            a, row, j, [&](int64_t g) { return a.load(dots, {a.idx(g), t}); });
        return SmallVector<Value>{
            rank, arith::IndexCastOp::create(b, loc, i32, j).getResult()};
      },
      [&] { return SmallVector<Value>{a.negInf(), a.i32(kNoKey)}; });
  a.store(entry[0], ranks, {t});
  a.store(entry[1], keys, {t});
}

/// Page mode's entry of kernel 1 for page `first + t` (thread `t` < chunk):
/// its rank from the bounds' sums in `bounds` and, with a mask, the mask
/// values of its keys; -inf and kNoKey for a page that is no candidate. A
/// candidate that some head sees sets bit t of `seenPages` (shared, a word
/// per 32 pages).
void rankPage(const KernelArith &a, const DecodeAttention &att,
              const DecodeAttention::Row &row, Value first, Value t,
              Value ranks, Value keys, Value seenCount, Value bounds,
              Value seenPages) {
  OpBuilder &b = a.b;
  Location loc = a.loc;
  int64_t group = att.group, page = att.pageSize;
  Value p = a.add(first, t);
  Value inPages = a.cmp(arith::CmpIPredicate::slt, p, a.idx(att.pages));
  Value firstPage = a.div(a.add(row.sinkEnd, a.idx(page - 1)), a.idx(page));
  Value endPage = a.div(row.windowStart, a.idx(page));
  Value candidate =
      a.both(inPages, a.both(a.cmp(arith::CmpIPredicate::sge, p, firstPage),
                             a.cmp(arith::CmpIPredicate::slt, p, endPage)));
  SmallVector<Value> bias(group, a.f32(0));
  if (att.mask) {
    // The page's keys (none past the last page): count those some head
    // sees, and take each head's largest mask value.
    Value lo = a.mul(p, a.idx(page));
    Value hi = a.select(inPages, a.add(lo, a.idx(page)), lo);
    SmallVector<Value> inits = {a.i32(0)};
    inits.append(group, a.negInf());
    auto perKey = scf::ForOp::create(b, loc, lo, hi, a.idx(1), inits);
    {
      OpBuilder::InsertionGuard inner(b);
      b.setInsertionPointToStart(perKey.getBody());
      Value j = perKey.getInductionVar();
      ValueRange acc = perKey.getRegionIterArgs();
      Value seenKey = a.cmp(arith::CmpIPredicate::slt, j, row.visible);
      Value any = arith::ConstantOp::create(b, loc, b.getBoolAttr(false));
      std::pair<Value, Value> shared;
      if (!att.maskVariesByHead)
        shared = att.maskAt(a, row, a.idx(0), j);
      SmallVector<Value> next = {Value()};
      for (int64_t g = 0; g < group; ++g) {
        auto [allowed, add] =
            att.maskVariesByHead ? att.maskAt(a, row, a.idx(g), j) : shared;
        allowed = a.both(allowed, seenKey);
        any = a.either(any, allowed);
        next.push_back(arith::MaximumFOp::create(
            b, loc, acc[1 + g], a.select(allowed, add, a.negInf())));
      }
      next[0] = a.add(acc[0], a.select(any, a.i32(1), a.i32(0)));
      scf::YieldOp::create(b, loc, next);
    }
    memref::AtomicRMWOp::create(b, loc, arith::AtomicRMWKind::addi,
                                perKey.getResult(0), seenCount,
                                ValueRange{a.idx(0)});
    for (int64_t g = 0; g < group; ++g)
      bias[g] = perKey.getResult(1 + g);
  }
  Value rank;
  for (int64_t g = 0; g < group; ++g) {
    Value s = a.add(a.load(bounds, {a.idx(g), t}), bias[g]);
    rank = g == 0 ? s : arith::MaximumFOp::create(b, loc, rank, s);
  }
  // A page no head sees ranks -inf: never kept, as on the CPU.
  Value kept =
      a.both(candidate, a.cmpf(arith::CmpFPredicate::OGT, rank, a.negInf()));
  Type i32 = b.getI32Type();
  a.when(kept, [&] {
    Value bit = arith::ShLIOp::create(
        b, loc, a.i32(1),
        arith::IndexCastOp::create(b, loc, i32, a.rem(t, a.idx(kWarpSize))));
    memref::AtomicRMWOp::create(b, loc, arith::AtomicRMWKind::ori, bit,
                                seenPages,
                                ValueRange{a.div(t, a.idx(kWarpSize))});
  });
  a.store(a.select(kept, rank, a.negInf()), ranks, {t});
  a.store(a.select(kept, arith::IndexCastOp::create(b, loc, i32, p).getResult(),
                   a.i32(kNoKey)),
          keys, {t});
}

/// The bounds of page `p` that kernel 1 scores with: elements d0 .. d0 +
/// reads.width of its minimum, then of its maximum, f32. They are
/// page_min's and page_max's, except with fresh_page from that page on,
/// where they are computed from the page's key rows; the block of the
/// row's first query then also writes them to new_page_min and
/// new_page_max (page p at p - fresh_page), so each new page's bounds are
/// written once per batch and key/value head (a slot past the chunk, which
/// reads the last page again, writes the same values).
SmallVector<SmallVector<Value>> scoredBounds(const KernelArith &a,
                                             const DecodeAttention &att,
                                             const DecodeAttention::Row &row,
                                             const RowReads &reads, Value p,
                                             Value d0) {
  OpBuilder &b = a.b;
  Location loc = a.loc;
  int64_t width = reads.width;
  auto given = [&] {
    SmallVector<Value> both = reads.load(a, att.pageMin, {row.b, row.h, p}, d0);
    llvm::append_range(both, reads.load(a, att.pageMax, {row.b, row.h, p}, d0));
    return both;
  };
  // The minimum's elements, then the maximum's.
  auto split = [&](ArrayRef<Value> both) -> SmallVector<SmallVector<Value>> {
    return {SmallVector<Value>(both.take_front(width)),
            SmallVector<Value>(both.drop_front(width))};
  };
  if (!att.newPageMin)
    return split(given());
  SmallVector<Type> types(2 * width, b.getF32Type());
  SmallVector<Value> both = a.ifElse(
      a.cmp(arith::CmpIPredicate::uge, p, a.idx(att.freshPage)), types,
      [&] {
        // The elementwise minimum and maximum of the page's key rows, the
        // loads of up to 8 rows (a divisor of the page) issued before any
        // is used.
        int64_t inFlight = std::min<int64_t>(att.pageSize, 8);
        while (att.pageSize % inFlight != 0)
          --inFlight;
        SmallVector<Value> init(width,
                                a.f32(std::numeric_limits<double>::infinity()));
        init.append(width, a.negInf());
        Value start = a.mul(p, a.idx(att.pageSize));
        auto loop = scf::ForOp::create(
            b, loc, a.idx(0), a.idx(att.pageSize / inFlight), a.idx(1), init);
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(loop.getBody());
        Value first =
            a.add(start, a.mul(loop.getInductionVar(), a.idx(inFlight)));
        SmallVector<SmallVector<Value>> rows;
        for (int64_t u = 0; u < inFlight; ++u) {
          SmallVector<Value> x;
          for (int64_t e = 0; e < width; ++e)
            x.push_back(att.key.load(a, row.b, row.h, a.add(first, a.idx(u)),
                                     a.add(d0, a.idx(e))));
          rows.push_back(x);
        }
        SmallVector<Value> next(loop.getRegionIterArgs());
        for (ArrayRef<Value> x : rows)
          for (int64_t e = 0; e < width; ++e) {
            next[e] = arith::MinimumFOp::create(b, loc, next[e], x[e]);
            next[width + e] =
                arith::MaximumFOp::create(b, loc, next[width + e], x[e]);
          }
        scf::YieldOp::create(b, loc, next);
        b.setInsertionPointAfter(loop);
        ResultRange bounds = loop.getResults();
        Value at = a.sub(p, a.idx(att.freshPage));
        a.when(a.cmp(arith::CmpIPredicate::eq, row.i, a.idx(0)), [&] {
          for (auto [values, out] :
               {std::pair(bounds.take_front(width), att.newPageMin),
                std::pair(bounds.drop_front(width), att.newPageMax)}) {
            Type element = cast<MemRefType>(out.getType()).getElementType();
            SmallVector<Value> elements;
            for (Value x : values)
              elements.push_back(element.isF32() ? x
                                                 : arith::TruncFOp::create(
                                                       b, loc, element, x));
            if (width == 1) {
              a.store(elements[0], out, {row.b, row.h, at, d0});
              continue;
            }
            Value vector = vector::FromElementsOp::create(
                b, loc, VectorType::get({width}, element), elements);
            vector::StoreOp::create(
                b, loc, vector, out, {row.b, row.h, at, d0},
                /*nontemporal=*/false,
                llvm::MaybeAlign(width * element.getIntOrFloatBitWidth() / 8));
          }
        });
        return SmallVector<Value>(bounds);
      },
      given);
  return split(both);
}

/// Page mode's entries of kernel 1: page `c * chunk + t` ranked by thread
/// `t`, as rankKeys ranks keys. First the upper bounds of the chunk's
/// pages' scores per head into `bounds` ([G, chunk] f32, chunkSums over
/// the bound rows: `max(q min, q max)` summed); then a thread per page
/// adds the page's largest mask value per head (counting the keys some
/// head sees), takes the best over the group as the page's rank, and
/// keeps the page when it is a candidate (neither a sink nor a window
/// page) that some head sees, marking it in `seenPages`.
void rankPages(const KernelArith &a, const DecodeAttention &att,
               const DecodeAttention::Row &row, Value c, Value t, Value ranks,
               Value keys, Value seenCount, Value bounds, Value seenPages) {
  OpBuilder &b = a.b;
  Location loc = a.loc;
  Value first = a.mul(c, a.idx(att.chunk));
  // The narrowest of the bounds' reads (and writes) serves them all.
  SmallVector<RowReads> all;
  for (Value bound : {att.pageMin, att.pageMax, att.newPageMin, att.newPageMax})
    if (bound)
      all.push_back(RowReads(denseReads(bound, att.depth), kWarpSize));
  const RowReads &reads =
      *llvm::min_element(all, [](const RowReads &x, const RowReads &y) {
        return x.width < y.width;
      });
  chunkSums(
      a, att, row, first, t, att.pages, reads,
      [&](Value p, Value d0) {
        // max(q lo, q hi) is q hi where q >= 0 and q lo elsewhere once lo
        // <= hi (rounding is monotonic): the elements' order, taken once
        // for all the group's heads, leaves a select and an fma per head.
        SmallVector<SmallVector<Value>> both =
            scoredBounds(a, att, row, reads, p, d0);
        SmallVector<Value> &lo = both[0], &hi = both[1];
        for (size_t e = 0; e < lo.size(); ++e)
          std::tie(lo[e], hi[e]) =
              std::pair(arith::MinimumFOp::create(b, loc, lo[e], hi[e]),
                        arith::MaximumFOp::create(b, loc, lo[e], hi[e]));
        return both;
      },
      [&](Value q, ArrayRef<Value> x, Value sum) {
        Value nonNegative = a.cmpf(arith::CmpFPredicate::OGE, q, a.f32(0));
        return math::FmaOp::create(b, loc, q, a.select(nonNegative, x[1], x[0]),
                                   sum)
            .getResult();
      },
      bounds);

  // A thread per page of the chunk ranks it.
  a.when(a.cmp(arith::CmpIPredicate::ult, t, a.idx(att.chunk)), [&] {
    rankPage(a, att, row, first, t, ranks, keys, seenCount, bounds, seenPages);
  });
}

/// Puts the `best` best (DecodeAttention::better) of the `n` entries of the
/// shared lists `ranks` and `keys` at their front, best first; `n` and
/// `best` are powers of two, thread `t` < n owns entry t, and with
/// `runsSorted` the entries already are runs of `best` sorted best first.
/// A bitonic network sorts the runs (stage `size` = 2, 4, ... best merges
/// runs of that size, comparing at distances size/2 ... 1); then each round
/// halves the runs that count: run r keeps, element by element, the better
/// of its entry i and entry best - 1 - i of its partner run r + 2^round
/// (the best `best` of the two runs, as one bitonic run) and sorts that
/// (distances best/2 ... 1). So n entries take log2(best) (log2(best) + 1)
/// / 2 + log2(n / best) (log2(best) + 1) steps rather than a whole sort's
/// log2(n) (log2(n) + 1) / 2. Each thread keeps its entry in registers: an
/// exchange within a warp is a shuffle, run only by the warps that hold
/// entries, and only partners a warp or more apart go through the shared
/// lists (two barriers each). The other entries are left as they were.
/// Every one of the block's `threads` threads must get here.
void keepBest(const KernelArith &a, Value ranks, Value keys, Value t, int64_t n,
              int64_t best, int64_t threads, bool runsSorted) {
  OpBuilder &b = a.b;
  Location loc = a.loc;
  // A thread past the entries holds a copy of the last and stores nothing.
  Value owner =
      threads > n ? a.cmp(arith::CmpIPredicate::ult, t, a.idx(n)) : Value();
  auto whenOwner = [&](function_ref<void()> f) {
    if (owner)
      a.when(owner, f);
    else
      f();
  };
  auto entry = [&](Value i) { return a.min(i, a.idx(n - 1)); };
  Value rank = a.load(ranks, {entry(t)}), key = a.load(keys, {entry(t)});
  auto bit = [&](int64_t mask) {
    return a.cmp(arith::CmpIPredicate::eq,
                 arith::AndIOp::create(b, loc, t, a.idx(mask)), a.idx(0));
  };
  Value yes = arith::ConstantOp::create(b, loc, b.getBoolAttr(true));
  // A step: the entry and its partner t ^ `mask`; the thread keeps the
  // better where `keepBetter` holds, else the worse.
  auto exchange = [&](Value keepBetter, Value otherRank, Value otherKey) {
    Value selfBetter =
        DecodeAttention::better(a, rank, key, otherRank, otherKey);
    Value keep = a.cmp(arith::CmpIPredicate::eq, keepBetter, selfBetter);
    rank = a.select(keep, rank, otherRank);
    key = a.select(keep, key, otherKey);
  };
  // In a merge of runs of `size` (sorting best first where `descending`),
  // the lower of the two keeps the better entry.
  auto mergeStep = [&](Value descending, int64_t distance) {
    return a.cmp(arith::CmpIPredicate::eq, bit(distance), descending);
  };
  struct Step {
    int64_t mask;
    std::function<Value()> keepBetter;
  };
  SmallVector<Step> steps;
  for (int64_t size = runsSorted ? 2 * best : 2; size <= best; size *= 2)
    for (int64_t distance = size / 2; distance >= 1; distance /= 2)
      steps.push_back({distance, [=] {
                         // The last stage sorts every run best first.
                         Value descending = size == best ? yes : bit(size);
                         return mergeStep(descending, distance);
                       }});
  for (int64_t run = best; run < n; run *= 2) {
    steps.push_back({run | (best - 1), [&] { return yes; }});
    for (int64_t distance = best / 2; distance >= 1; distance /= 2)
      steps.push_back({distance, [=] { return mergeStep(yes, distance); }});
  }

  // The steps within a warp, run by the warps that hold entries only (the
  // others keep their copies): a branch the whole warp takes alike.
  int64_t activeThreads = llvm::alignTo(n, kWarpSize);
  Value activeWarp = threads > activeThreads ? a.cmp(arith::CmpIPredicate::ult,
                                                     t, a.idx(activeThreads))
                                             : Value();
  SmallVector<const Step *> warpSteps;
  auto flushWarpSteps = [&] {
    if (warpSteps.empty())
      return;
    auto run = [&]() -> SmallVector<Value> {
      for (const Step *step : warpSteps) {
        auto other = [&](Value x) -> Value {
          return gpu::ShuffleOp::create(b, loc, x, step->mask, kWarpSize,
                                        gpu::ShuffleMode::XOR)
              .getShuffleResult();
        };
        exchange(step->keepBetter(), other(rank), other(key));
      }
      return {rank, key};
    };
    SmallVector<Value> before = {rank, key};
    SmallVector<Value> after =
        activeWarp
            ? a.ifElse(activeWarp, TypeRange{rank.getType(), key.getType()},
                       run, [&] { return before; })
            : run();
    rank = after[0];
    key = after[1];
    warpSteps.clear();
  };
  for (const Step &step : steps) {
    if (step.mask < kWarpSize) {
      warpSteps.push_back(&step);
      continue;
    }
    flushWarpSteps();
    a.barrier();
    whenOwner([&] {
      a.store(rank, ranks, {t});
      a.store(key, keys, {t});
    });
    a.barrier();
    Value partner = entry(arith::XOrIOp::create(b, loc, t, a.idx(step.mask)));
    exchange(step.keepBetter(), a.load(ranks, {partner}),
             a.load(keys, {partner}));
  }
  flushWarpSteps();
  a.barrier();
  a.when(a.cmp(arith::CmpIPredicate::ult, t, a.idx(best)), [&] {
    a.store(rank, ranks, {t});
    a.store(key, keys, {t});
  });
  a.barrier();
}

/// Kernel 1: ranks of a chunk of keys (of pages, in page mode), sorted, the
/// best `listSize` to `ranksOut`/`keysOut` ([rows, chunks, listSize]),
/// with a mask the visible keys some head sees to `countsOut` ([rows,
/// chunks]) and, in page mode, the bitmap of the candidate pages that some
/// head sees to `seenPagesOut` ([rows, pageWords()] i32).
void buildSelect(OpBuilder &b, const DecodeAttention &att, Value ranksOut,
                 Value keysOut, Value countsOut, Value seenPagesOut) {
  Location loc = att.op->getLoc();
  OpBuilder::InsertionGuard guard(b);
  int64_t threads = att.selectThreads();
  gpu::LaunchOp launch =
      createLaunch(b, loc, {att.chunks, att.rows()}, threads);
  Value ranks = launch.addWorkgroupAttribution(
      sharedType(b, {att.chunk}, b.getF32Type()), loc);
  Value keys = launch.addWorkgroupAttribution(
      sharedType(b, {att.chunk}, b.getI32Type()), loc);
  Value seenCount =
      launch.addWorkgroupAttribution(sharedType(b, {1}, b.getI32Type()), loc);
  // The chunk's rows' sums per head: key scores, or page score bounds.
  Value sums = launch.addWorkgroupAttribution(
      sharedType(b, {att.group, att.chunk}, b.getF32Type()), loc);
  Value seenPages;
  int64_t words = att.chunk / kWarpSize;
  if (att.pageSize)
    seenPages = launch.addWorkgroupAttribution(
        sharedType(b, {words}, b.getI32Type()), loc);
  KernelArith a{b, loc};
  Value c = launch.getBlockIds().x, r = launch.getBlockIds().y;
  Value t = launch.getThreadIds().x;
  DecodeAttention::Row row = att.row(a, r);
  // Zeroed before chunkSums' barrier, counted into after it.
  Value first = a.cmp(arith::CmpIPredicate::eq, t, a.idx(0));
  if (countsOut)
    a.when(first, [&] { a.store(a.i32(0), seenCount, {a.idx(0)}); });
  if (seenPages)
    a.loop(t, a.idx(words), a.idx(threads),
           [&](Value w) { a.store(a.i32(0), seenPages, {w}); });
  if (att.pageSize)
    rankPages(a, att, row, c, t, ranks, keys, seenCount, sums, seenPages);
  else
    rankKeys(a, att, row, c, t, ranks, keys, seenCount, sums);
  a.barrier();
  if (seenPages)
    a.loop(t, a.idx(words), a.idx(threads), [&](Value w) {
      a.store(a.load(seenPages, {w}), seenPagesOut,
              {r, a.add(a.mul(c, a.idx(words)), w)});
    });
  keepBest(a, ranks, keys, t, att.chunk, att.listSize, threads,
           /*runsSorted=*/false);

  a.when(a.cmp(arith::CmpIPredicate::ult, t, a.idx(att.listSize)), [&] {
    a.store(a.load(ranks, {t}), ranksOut, {r, c, t});
    a.store(a.load(keys, {t}), keysOut, {r, c, t});
  });
  if (countsOut)
    a.when(first,
           [&] { a.store(a.load(seenCount, {a.idx(0)}), countsOut, {r, c}); });
}

/// The chunks' sorted lists of row `r` (`ranksIn`/`keysIn`, [rows, chunks,
/// listSize]) merged into the best listSize entries at the front of
/// `ranks`/`keys` (shared, 2 listSize entries per merge group), by a block
/// of `threads` threads (at least 2 listSize). Each group of 2 listSize
/// threads (mergeGroups) takes every groups-th chunk: its first list, then
/// each other one merged in (reversed after the running one, the two make
/// one bitonic sequence of 2 listSize); then the groups' lists are merged
/// in pairs, halving the groups each round. The groups' merges run side by
/// side, their barriers shared.
void mergeLists(const KernelArith &a, const DecodeAttention &att, Value r,
                Value t, int64_t threads, Value ranksIn, Value keysIn,
                Value ranks, Value keys) {
  OpBuilder &b = a.b;
  Location loc = a.loc;
  int64_t list = att.listSize, span = 2 * list;
  int64_t groups = att.mergeGroups(threads);
  int64_t log2List = llvm::Log2_64(list);
  Value group = a.div(t, a.idx(span)), lane = a.rem(t, a.idx(span));
  Value base = a.mul(group, a.idx(span));
  Value inGroups = a.cmp(arith::CmpIPredicate::ult, t, a.idx(groups * span));
  Value inList =
      a.both(inGroups, a.cmp(arith::CmpIPredicate::ult, lane, a.idx(list)));
  Value yes = arith::ConstantOp::create(b, loc, b.getBoolAttr(true));
  // One bitonic merge of each region whose group `merging` says.
  auto merge = [&](Value merging) {
    a.loop(a.idx(0), a.idx(log2List + 1), a.idx(1), [&](Value f) {
      Value distance = arith::ShRUIOp::create(b, loc, a.idx(list), f);
      a.when(merging, [&] {
        DecodeAttention::compareExchange(a, ranks, keys, t, distance, yes);
      });
      a.barrier();
    });
  };
  a.when(inList, [&] {
    a.store(a.load(ranksIn, {r, group, lane}), ranks, {t});
    a.store(a.load(keysIn, {r, group, lane}), keys, {t});
  });
  a.barrier();
  // Chunk groups * i + group merged into the group's list; past the last
  // chunk, an empty list.
  int64_t rounds = llvm::divideCeil(att.chunks, groups);
  a.loop(a.idx(1), a.idx(rounds), a.idx(1), [&](Value i) {
    a.when(inList, [&] {
      Value c = a.add(a.mul(i, a.idx(groups)), group);
      Value valid = a.cmp(arith::CmpIPredicate::ult, c, a.idx(att.chunks));
      Value cc = a.min(c, a.idx(att.chunks - 1));
      Value from = a.sub(a.idx(list - 1), lane);
      Value at = a.add(t, a.idx(list));
      a.store(a.select(valid, a.load(ranksIn, {r, cc, from}), a.negInf()),
              ranks, {at});
      a.store(a.select(valid, a.load(keysIn, {r, cc, from}), a.i32(kNoKey)),
              keys, {at});
    });
    a.barrier();
    merge(inGroups);
  });
  // The groups' lists in pairs: group g takes group g + s's, reversed.
  for (int64_t s = 1; s < groups; s *= 2) {
    Value taker = a.both(inGroups, a.cmp(arith::CmpIPredicate::eq,
                                         a.rem(group, a.idx(2 * s)), a.idx(0)));
    a.when(a.both(taker, a.cmp(arith::CmpIPredicate::ult, lane, a.idx(list))),
           [&] {
             Value from = a.add(a.add(base, a.idx(s * span)),
                                a.sub(a.idx(list - 1), lane));
             Value at = a.add(t, a.idx(list));
             a.store(a.load(ranks, {from}), ranks, {at});
             a.store(a.load(keys, {from}), keys, {at});
           });
    a.barrier();
    merge(taker);
  }
}

/// Whether row `r` is exact: it has no more valid keys (with a mask,
/// visible keys some head sees, the chunks' `countsIn` summed) than the
/// budget, and keeps them all. Each lane of a warp (`t`: the thread) sums
/// every kWarpSize-th chunk's count and the lanes' sums meet by shuffles,
/// so that every warp has the row's count without a barrier, and the
/// counts' loads are not one chain. Every lane of the warp must get here.
Value exactRow(const KernelArith &a, const DecodeAttention &att,
               const DecodeAttention::Row &row, Value r, Value t,
               Value countsIn) {
  OpBuilder &b = a.b;
  Location loc = a.loc;
  Value valid = row.visible;
  if (countsIn) {
    auto sum = scf::ForOp::create(b, loc, a.rem(t, a.idx(kWarpSize)),
                                  a.idx(att.chunks), a.idx(kWarpSize),
                                  ValueRange{a.i32(0)});
    {
      OpBuilder::InsertionGuard inner(b);
      b.setInsertionPointToStart(sum.getBody());
      Value n = a.load(countsIn, {r, sum.getInductionVar()});
      scf::YieldOp::create(b, loc,
                           ValueRange{a.add(sum.getRegionIterArgs()[0], n)});
    }
    Value total = acrossLanes(a, sum.getResult(0), kWarpSize,
                              [&](Value x, Value y) { return a.add(x, y); });
    valid = arith::IndexCastOp::create(b, loc, b.getIndexType(), total);
  }
  return a.cmp(arith::CmpIPredicate::sle, valid, a.idx(att.budget));
}

/// The keys a row of the dense kernels attends to: without `keys`, the
/// row's visible keys [0, visible); with it, the keys of the pages that
/// page mode keeps besides the sinks and window, the first counts[y] entries of
/// row y of `keys` ([rows x head blocks, L] i32, key indices).
struct KeyList {
  Value keys, counts;

  /// The number of keys of list row `y`.
  Value count(const KernelArith &a, const DecodeAttention::Row &row,
              Value y) const {
    if (!keys)
      return row.visible;
    return arith::IndexCastOp::create(a.b, a.loc, a.b.getIndexType(),
                                      a.load(counts, {y}));
  }

  /// The key at position `p` of list row `y`.
  Value at(const KernelArith &a, Value y, Value p) const {
    if (!keys)
      return p;
    return arith::IndexCastOp::create(a.b, a.loc, a.b.getIndexType(),
                                      a.load(keys, {y, p}));
  }
};

/// Top-k attention's outputs of kernel 1, which kernel 2 reads: the
/// chunks' sorted lists of keys or, in page mode, pages (`ranks`, `keys`:
/// [rows, chunks, listSize]), with a mask the visible keys some head sees
/// per chunk (`counts`: [rows, chunks]), and in page mode the bitmap of
/// the candidate pages some head sees (`seenPages`: [rows, pageWords()]).
struct ChunkLists {
  Value ranks, keys, counts, seenPages;
};

/// Top-k attention's start of the dense kernel 1 (keepTokens, keepPages):
/// the lists it reads, and where it writes the row's kept keys besides its
/// sinks and window: `kept`'s global buffers ([rows x head blocks,
/// pageKeptKeys] and [rows x head blocks]), or, where `kept` has none, the
/// block's shared memory.
struct TopKStart {
  ChunkLists in;
  KeyList kept;
};

/// The exclusive prefix sum of `v` (i32) over the block's `threads` threads
/// at thread `t`, and the block's total; `warpTotals` is shared
/// [threads / kWarpSize] i32. Every thread of the block must get here.
std::pair<Value, Value> blockPrefixSum(const KernelArith &a, Value v, Value t,
                                       int64_t threads, Value warpTotals) {
  Value lane = a.rem(t, a.idx(kWarpSize)), warp = a.div(t, a.idx(kWarpSize));
  Value inclusive = v;
  for (int64_t offset = 1; offset < kWarpSize; offset *= 2) {
    Value other = gpu::ShuffleOp::create(a.b, a.loc, inclusive, offset,
                                         kWarpSize, gpu::ShuffleMode::UP)
                      .getShuffleResult();
    inclusive = a.select(a.cmp(arith::CmpIPredicate::uge, lane, a.idx(offset)),
                         a.add(inclusive, other), inclusive);
  }
  a.when(a.cmp(arith::CmpIPredicate::eq, lane, a.idx(kWarpSize - 1)),
         [&] { a.store(inclusive, warpTotals, {warp}); });
  a.barrier();
  Value before = a.i32(0), total = a.i32(0);
  for (int64_t w = 0; w < threads / kWarpSize; ++w) {
    Value n = a.load(warpTotals, {a.idx(w)});
    before =
        a.add(before, a.select(a.cmp(arith::CmpIPredicate::ugt, warp, a.idx(w)),
                               n, a.i32(0)));
    total = a.add(total, n);
  }
  return {a.add(before, a.sub(inclusive, v)), total};
}

/// The set bits of `x` (i32), by the shifts and masks that LLVM's NVPTX
/// backend turns into one popc (math.ctpop has no lowering in the
/// kernels' pipeline).
Value popCount(const KernelArith &a, Value x) {
  auto shr = [&](Value v, int64_t n) -> Value {
    return arith::ShRUIOp::create(a.b, a.loc, v, a.i32(n));
  };
  auto mask = [&](Value v, int64_t m) -> Value {
    return arith::AndIOp::create(a.b, a.loc, v, a.i32(m));
  };
  x = a.sub(x, mask(shr(x, 1), 0x55555555));
  x = a.add(mask(x, 0x33333333), mask(shr(x, 2), 0x33333333));
  x = mask(a.add(x, shr(x, 4)), 0x0F0F0F0F);
  return shr(a.mul(x, a.i32(0x01010101)), 24);
}

/// The pages an exact row keeps: every candidate page of row `r` that some
/// head sees (bitmap `seenPages`), each passed in order to
/// `storePage(position, page)` (i32: its place among them, its index);
/// returns their number (i32). The block's `threads` threads share the
/// bitmap's words.
Value keepSeenPages(gpu::LaunchOp launch, const KernelArith &a,
                    const DecodeAttention &att, Value r, Value t,
                    int64_t threads, Value seenPages,
                    function_ref<void(Value, Value)> storePage) {
  OpBuilder &b = a.b;
  Location loc = a.loc;
  Type i32 = b.getI32Type();
  int64_t words = att.pageWords();
  int64_t perThread = llvm::divideCeil(words, threads);
  Value warpTotals = launch.addWorkgroupAttribution(
      sharedType(b, {threads / kWarpSize}, i32), loc);
  // A word past the bitmap's end reads its last word and counts nothing.
  auto wordAt = [&](int64_t u) {
    Value w = a.add(a.mul(t, a.idx(perThread)), a.idx(u));
    Value valid = a.cmp(arith::CmpIPredicate::ult, w, a.idx(words));
    Value word = a.load(seenPages, {r, a.min(w, a.idx(words - 1))});
    return std::make_pair(w, a.select(valid, word, a.i32(0)));
  };
  Value mine = a.i32(0);
  for (int64_t u = 0; u < perThread; ++u)
    mine = a.add(mine, popCount(a, wordAt(u).second));
  auto [before, total] = blockPrefixSum(a, mine, t, threads, warpTotals);
  Value next = before;
  for (int64_t u = 0; u < perThread; ++u) {
    auto [wordIndex, word] = wordAt(u);
    Value w = wordIndex;
    auto bits = scf::ForOp::create(b, loc, a.idx(0), a.idx(kWarpSize), a.idx(1),
                                   ValueRange{next});
    {
      OpBuilder::InsertionGuard inner(b);
      b.setInsertionPointToStart(bits.getBody());
      Value bit = bits.getInductionVar(), at = bits.getRegionIterArgs()[0];
      Value shifted = arith::ShRUIOp::create(
          b, loc, word, arith::IndexCastOp::create(b, loc, i32, bit));
      Value set =
          a.cmp(arith::CmpIPredicate::ne,
                arith::AndIOp::create(b, loc, shifted, a.i32(1)), a.i32(0));
      a.when(set, [&] {
        Value page = a.add(a.mul(w, a.idx(kWarpSize)), bit);
        storePage(at, arith::IndexCastOp::create(b, loc, i32, page));
      });
      scf::YieldOp::create(
          b, loc, ValueRange{a.add(at, a.select(set, a.i32(1), a.i32(0)))});
    }
    next = bits.getResult(0);
  }
  return total;
}

/// Page mode's kernel 2 (a block of `threads` threads per query row `r`,
/// or block `y` of a row's heads), once it has attended to the row's sinks
/// and window: writes the keys of the other pages the row keeps and their
/// number where `start` says, and returns that list and its row, for the
/// rest of the kernel to attend over. A row that is not exact keeps the
/// best ceil(top_k / page size) pages of the chunks' lists, merged here; an
/// exact row (no more valid keys than the budget) every candidate page
/// that some head sees, so that it attends to all of its valid keys, as on
/// the CPU. Reads no key.
std::pair<KeyList, Value> keepPages(gpu::LaunchOp launch, const KernelArith &a,
                                    const DecodeAttention &att,
                                    const DecodeAttention::Row &row, Value r,
                                    Value y, Value t, int64_t threads,
                                    const TopKStart &start) {
  const ChunkLists &in = start.in;
  KeyList out = start.kept;
  Value listRow = y;
  OpBuilder &b = a.b;
  Location loc = a.loc;
  int64_t list = att.listSize, sorted = att.sortedCandidates();
  int64_t entries = att.pageListEntries(threads);
  int64_t page = att.pageSize;
  Type i32 = b.getI32Type();
  Value ranks = launch.addWorkgroupAttribution(
      sharedType(b, {entries}, b.getF32Type()), loc);
  Value keys =
      launch.addWorkgroupAttribution(sharedType(b, {entries}, i32), loc);
  Value chosen = launch.addWorkgroupAttribution(sharedType(b, {1}, i32), loc);
  if (!out.keys) {
    // The list in shared memory: no round trip through the L2 cache.
    out.keys = launch.addWorkgroupAttribution(
        sharedType(b, {1, att.pageKeptKeys}, i32), loc);
    out.counts = launch.addWorkgroupAttribution(sharedType(b, {1}, i32), loc);
    listRow = a.idx(0);
  }
  Value first = a.cmp(arith::CmpIPredicate::eq, t, a.idx(0));
  a.when(first, [&] { a.store(a.i32(0), chosen, {a.idx(0)}); });
  if (sorted) {
    // Every chunk's list at once, sorted in one network: a few barriers
    // instead of a merge per chunk.
    a.loop(t, a.idx(sorted), a.idx(threads), [&](Value e) {
      Value c = a.div(e, a.idx(list)), i = a.rem(e, a.idx(list));
      Value valid = a.cmp(arith::CmpIPredicate::ult, c, a.idx(att.chunks));
      Value cc = a.select(valid, c, a.idx(0));
      a.store(a.select(valid, a.load(in.ranks, {r, cc, i}), a.negInf()), ranks,
              {e});
      a.store(a.select(valid, a.load(in.keys, {r, cc, i}), a.i32(kNoKey)), keys,
              {e});
    });
    a.barrier();
    keepBest(a, ranks, keys, t, sorted, list, threads, /*runsSorted=*/true);
  } else {
    mergeLists(a, att, r, t, threads, in.ranks, in.keys, ranks, keys);
  }
  Value exact = exactRow(a, att, row, r, t, in.counts);

  auto asI32 = [&](Value v) -> Value {
    return arith::IndexCastOp::create(b, loc, i32, v);
  };
  auto storePageKeys = [&](Value at, Value pageIndex) {
    Value from = a.mul(at, a.idx(page));
    a.loop(a.idx(0), a.idx(page), a.idx(1), [&](Value e) {
      a.store(a.add(a.mul(pageIndex, a.i32(page)), asI32(e)), out.keys,
              {listRow, a.add(from, e)});
    });
  };
  Value pagesKept = a.ifElse(
      exact, i32,
      [&] {
        return SmallVector<Value>{
            keepSeenPages(launch, a, att, r, t, threads, in.seenPages,
                          [&](Value at, Value pageIndex) {
                            storePageKeys(arith::IndexCastOp::create(
                                              b, loc, b.getIndexType(), at),
                                          pageIndex);
                          })};
      },
      [&] {
        // The list's best pages (those kept are a prefix of it), a thread
        // per page.
        Value limit = a.idx(att.bufferSize);
        a.when(a.cmp(arith::CmpIPredicate::ult, t, limit), [&] {
          Value pageIndex = a.load(keys, {t});
          a.when(
              a.cmp(arith::CmpIPredicate::ne, pageIndex, a.i32(kNoKey)), [&] {
                memref::AtomicRMWOp::create(b, loc, arith::AtomicRMWKind::addi,
                                            a.i32(1), chosen,
                                            ValueRange{a.idx(0)});
                storePageKeys(t, pageIndex);
              });
        });
        a.barrier();
        return SmallVector<Value>{a.load(chosen, {a.idx(0)})};
      })[0];
  a.when(first, [&] {
    a.store(a.mul(pagesKept, a.i32(page)), out.counts, {listRow});
  });
  a.barrier();
  return {out, listRow};
}

/// `rank` (f32) as an i32 whose unsigned order is the ranks' order: the
/// sign bit flipped for a positive rank, every bit for a negative one.
/// -inf is 0x007fffff, so 0 is below every rank that is not NaN.
Value orderedRank(const KernelArith &a, Value rank) {
  Value bits =
      arith::BitcastOp::create(a.b, a.loc, a.b.getI32Type(), rank).getResult();
  Value negative = a.cmp(arith::CmpIPredicate::slt, bits, a.i32(0));
  Value flip =
      a.select(negative, a.i32(-1), a.i32(std::numeric_limits<int32_t>::min()));
  return arith::XOrIOp::create(a.b, a.loc, bits, flip);
}

/// Token mode's kernel 2 (a block of `threads` threads per query head of
/// row `r`), once it has attended to the row's sinks and window: lists in
/// shared memory the other keys the row keeps, for the rest of the kernel
/// to attend over. An exact row (no more valid keys than the budget) keeps
/// every key of the chunks' lists, which hold all of its candidates; any
/// other row the best top_k by rank, ties to the lower key, which are among
/// the first top_k entries of each chunk's sorted list. Those are found by
/// a radix select, not by merging the lists: four rounds of a 256-bin
/// histogram of the next 8 bits of the entries that match the bits found
/// so far (a thread a bin, the bin holding the top_k-th entry found by a
/// prefix sum over the bins, best first) give the top_k-th rank and how
/// many entries of that rank are kept. A thread takes a run of consecutive
/// entries of the lists, best first, so that entries in one bin come
/// together: it adds them to the histogram in one atomic add per bin it
/// meets, not one per entry (the first round's bins are the ranks'
/// exponents: the entries fall in a few). Ties are kept in the lists'
/// order, which is the keys' order among equal ranks (a chunk's list is
/// sorted, and chunk c holds lower keys than chunk c + 1). A thread loads
/// its run once, all loads in flight, and keeps it in registers for the
/// rounds and the passes that list the kept keys (seven passes), unless
/// the run is longer than kCachedEntries: then each pass reads it again
/// (L2), eight loads in flight. Reads no key.
KeyList keepTokens(gpu::LaunchOp launch, const KernelArith &a,
                   const DecodeAttention &att, const DecodeAttention::Row &row,
                   Value r, Value t, int64_t threads, const ChunkLists &in) {
  OpBuilder &b = a.b;
  Location loc = a.loc;
  Type i32 = b.getI32Type();
  constexpr int64_t kBins = kRadixBins, kDigitBits = 8, kInFlight = 8,
                    kCachedEntries = 32;
  Value bins = launch.addWorkgroupAttribution(sharedType(b, {kBins}, i32), loc);
  Value warpTotals = launch.addWorkgroupAttribution(
      sharedType(b, {threads / kWarpSize}, i32), loc);
  Value found = launch.addWorkgroupAttribution(sharedType(b, {2}, i32), loc);
  KeyList out{
      launch.addWorkgroupAttribution(sharedType(b, {1, att.budget}, i32), loc),
      launch.addWorkgroupAttribution(sharedType(b, {1}, i32), loc)};
  Value one = a.i32(1), zero = a.i32(0);
  auto count = [&](Value c) { return a.select(c, one, zero); };
  auto index = [&](Value v) -> Value {
    return arith::IndexCastOp::create(b, loc, b.getIndexType(), v);
  };

  // An entry of the thread's run of the first `span` entries of every
  // chunk's list: whether it is one (a place past them reads the last
  // entry), its rank as an orderedRank, and its key (null unless loaded).
  struct Entry {
    Value valid, order, key;
  };
  auto perThread = [&](int64_t span) {
    return int64_t(llvm::divideCeil(att.chunks * span, threads));
  };
  auto loadEntry = [&](int64_t span, int64_t u, bool withKeys) {
    int64_t entries = att.chunks * span;
    Value e = a.add(a.mul(t, a.idx(perThread(span))), a.idx(u));
    Value at = a.min(e, a.idx(entries - 1));
    Value c = a.div(at, a.idx(span)), i = a.rem(at, a.idx(span));
    return Entry{a.cmp(arith::CmpIPredicate::ult, e, a.idx(entries)),
                 orderedRank(a, a.load(in.ranks, {r, c, i})),
                 withKeys ? a.load(in.keys, {r, c, i}) : Value()};
  };
  // Calls `body(entry, carried)` for each entry of the thread's run, from
  // `cached` (the whole run, loaded before) or else loaded kInFlight
  // entries at a time (a key only `withKeys`). The values `inits` are
  // carried through `body`.
  using EntryBody =
      function_ref<SmallVector<Value>(const Entry &, ArrayRef<Value>)>;
  auto forEntries = [&](int64_t span, ArrayRef<Entry> cached, bool withKeys,
                        ArrayRef<Value> inits,
                        EntryBody body) -> SmallVector<Value> {
    SmallVector<Value> carried(inits);
    if (!cached.empty()) {
      for (const Entry &entry : cached)
        carried = body(entry, carried);
      return carried;
    }
    int64_t n = perThread(span);
    for (int64_t u0 = 0; u0 < n; u0 += kInFlight) {
      SmallVector<Entry> loaded;
      for (int64_t u = u0; u < std::min(n, u0 + kInFlight); ++u)
        loaded.push_back(loadEntry(span, u, withKeys));
      for (const Entry &entry : loaded)
        carried = body(entry, carried);
    }
    return carried;
  };
  // Writes the kept entries' keys to the list, in the entries' order, and
  // their number: `keep(entry, carried)` says whether an entry is kept, and
  // also gives the next `carried` (starting from `inits`).
  auto listKept = [&](int64_t span, ArrayRef<Entry> cached,
                      ArrayRef<Value> inits,
                      function_ref<std::pair<Value, SmallVector<Value>>(
                          const Entry &, ArrayRef<Value>)>
                          keep) {
    // A pass over the entries counting the kept ones from `start`, each
    // written at its place in the list where `write`.
    auto pass = [&](ArrayRef<Value> start, bool write) {
      return forEntries(
          span, cached, /*withKeys=*/true, start,
          [&](const Entry &entry, ArrayRef<Value> n) -> SmallVector<Value> {
            auto [kept, next] = keep(entry, n.drop_front());
            if (write)
              a.when(kept, [&] {
                a.store(entry.key, out.keys, {a.idx(0), index(n[0])});
              });
            SmallVector<Value> values = {a.add(n[0], count(kept))};
            llvm::append_range(values, next);
            return values;
          });
    };
    SmallVector<Value> start = {zero};
    llvm::append_range(start, inits);
    Value mine = pass(start, /*write=*/false)[0];
    a.barrier();
    std::pair<Value, Value> sum =
        blockPrefixSum(a, mine, t, threads, warpTotals);
    Value total = sum.second;
    start[0] = sum.first;
    pass(start, /*write=*/true);
    a.when(a.cmp(arith::CmpIPredicate::eq, t, a.idx(0)),
           [&] { a.store(total, out.counts, {a.idx(0)}); });
  };
  auto listed = [&](Value key) {
    return a.cmp(arith::CmpIPredicate::ne, key, a.i32(kNoKey));
  };

  auto exact = scf::IfOp::create(b, loc, exactRow(a, att, row, r, t, in.counts),
                                 /*withElseRegion=*/true);
  auto branch = [&](Region &region, function_ref<void()> f) {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&region.front());
    f();
  };
  branch(exact.getThenRegion(), [&] {
    // Every listed key of every chunk's whole list.
    listKept(att.listSize, /*cached=*/{}, {},
             [&](const Entry &entry, ArrayRef<Value>) {
               return std::make_pair(a.both(entry.valid, listed(entry.key)),
                                     SmallVector<Value>{});
             });
  });
  branch(exact.getElseRegion(), [&] {
    int64_t span = att.bufferSize;
    // The thread's run, loaded once for the seven passes over it when it
    // is short enough to stay in registers.
    SmallVector<Entry> cached;
    if (perThread(span) <= kCachedEntries)
      for (int64_t u = 0; u < perThread(span); ++u)
        cached.push_back(loadEntry(span, u, /*withKeys=*/true));
    Value prefix = zero, need = a.i32(span);
    for (int64_t shift = 32 - kDigitBits; shift >= 0; shift -= kDigitBits) {
      // Bits above the digit, which the entries counted must match.
      uint32_t high =
          shift + kDigitBits >= 32 ? 0u : ~0u << (shift + kDigitBits);
      Value highMask = a.i32(int32_t(high));
      Value prefixHigh = arith::AndIOp::create(b, loc, prefix, highMask);
      a.when(a.cmp(arith::CmpIPredicate::ult, t, a.idx(kBins)),
             [&] { a.store(zero, bins, {t}); });
      a.barrier();
      // The run of entries in the same bin so far (-1: none) and its
      // length, added to the histogram when the bin changes.
      auto flush = [&](Value bin, Value run) {
        a.when(a.cmp(arith::CmpIPredicate::sgt, run, zero), [&] {
          memref::AtomicRMWOp::create(b, loc, arith::AtomicRMWKind::addi, run,
                                      bins, ValueRange{index(bin)});
        });
      };
      SmallVector<Value> last = forEntries(
          span, cached, /*withKeys=*/false, {a.i32(-1), zero},
          [&](const Entry &entry, ArrayRef<Value> n) -> SmallVector<Value> {
            Value u = entry.order;
            Value matches = a.both(
                entry.valid,
                a.cmp(arith::CmpIPredicate::eq,
                      arith::AndIOp::create(b, loc, u, highMask), prefixHigh));
            Value digit = arith::AndIOp::create(
                b, loc, arith::ShRUIOp::create(b, loc, u, a.i32(shift)),
                a.i32(kBins - 1));
            Value bin = a.select(matches, digit, a.i32(-1));
            Value same = a.cmp(arith::CmpIPredicate::eq, bin, n[0]);
            a.when(a.cmp(arith::CmpIPredicate::ne, bin, n[0]),
                   [&] { flush(n[0], n[1]); });
            // Entries that do not match (bin -1) add nothing to a run.
            return {bin, a.add(a.select(same, n[1], zero), count(matches))};
          });
      flush(last[0], last[1]);
      a.barrier();
      // Thread t holds bin kBins - 1 - t: the best bins first.
      Value binned = a.cmp(arith::CmpIPredicate::ult, t, a.idx(kBins));
      Value bin = a.sub(a.idx(kBins - 1), a.min(t, a.idx(kBins - 1)));
      Value n = a.select(binned, a.load(bins, {bin}), zero);
      Value before = blockPrefixSum(a, n, t, threads, warpTotals).first;
      Value holds = a.both(
          binned,
          a.both(a.cmp(arith::CmpIPredicate::slt, before, need),
                 a.cmp(arith::CmpIPredicate::sle, need, a.add(before, n))));
      a.when(holds, [&] {
        a.store(arith::IndexCastOp::create(b, loc, i32, bin), found,
                {a.idx(0)});
        a.store(a.sub(need, before), found, {a.idx(1)});
      });
      a.barrier();
      Value digit = a.load(found, {a.idx(0)});
      prefix = arith::OrIOp::create(
          b, loc, prefix, arith::ShLIOp::create(b, loc, digit, a.i32(shift)));
      need = a.load(found, {a.idx(1)});
      a.barrier();
    }
    // `prefix` is the top_k-th rank, of which the first `need` entries
    // in the lists' order are kept: the ties before each entry first.
    auto tieOf = [&](Value valid, Value u) {
      return a.both(valid, a.cmp(arith::CmpIPredicate::eq, u, prefix));
    };
    Value tiesMine = forEntries(
        span, cached, /*withKeys=*/false, {zero},
        [&](const Entry &entry, ArrayRef<Value> n) -> SmallVector<Value> {
          return {a.add(n[0], count(tieOf(entry.valid, entry.order)))};
        })[0];
    Value tiesBefore =
        blockPrefixSum(a, tiesMine, t, threads, warpTotals).first;
    listKept(span, cached, {tiesBefore},
             [&](const Entry &entry, ArrayRef<Value> n) {
               Value tie = tieOf(entry.valid, entry.order);
               Value better = a.either(
                   a.cmp(arith::CmpIPredicate::ugt, entry.order, prefix),
                   a.both(tie, a.cmp(arith::CmpIPredicate::slt, n[0], need)));
               return std::make_pair(
                   a.both(a.both(entry.valid, better), listed(entry.key)),
                   SmallVector<Value>{a.add(n[0], count(tie))});
             });
  });
  a.barrier();
  return out;
}

/// One query head's softmax over some keys (an online softmax): the
/// largest score, the sum of 2^(score - largest) and the value rows
/// weighted by those terms (a lane's elements), all f32. The dense kernels'
/// scores are in base 2 (times log2(e), folded into the query's scale and
/// the mask), so that each term is one exp2.
struct SoftmaxPiece {
  Value max, sum;
  SmallVector<Value> acc;
};

/// The largest score to subtract: `m`, or 0 where no key is seen (-inf),
/// so that 2^(-inf - 0) is the weight 0 rather than NaN.
Value finiteMax(const KernelArith &a, Value m) {
  return a.select(a.cmpf(arith::CmpFPredicate::OEQ, m, a.negInf()), a.f32(0),
                  m);
}

/// `x` and `y` as one piece: both rescaled to the larger maximum.
SoftmaxPiece mergePieces(const KernelArith &a, const SoftmaxPiece &x,
                         const SoftmaxPiece &y) {
  Value m = arith::MaximumFOp::create(a.b, a.loc, x.max, y.max);
  Value base = finiteMax(a, m);
  Value fx = math::Exp2Op::create(a.b, a.loc, a.sub(x.max, base));
  Value fy = math::Exp2Op::create(a.b, a.loc, a.sub(y.max, base));
  auto both = [&](Value u, Value v) -> Value {
    return math::FmaOp::create(a.b, a.loc, fx, u, a.mul(fy, v));
  };
  SoftmaxPiece merged{m, both(x.sum, y.sum), {}};
  for (auto [u, v] : llvm::zip_equal(x.acc, y.acc))
    merged.acc.push_back(both(u, v));
  return merged;
}

/// The elements of `reads`' accesses of a row that lane `lane` (of
/// `lanes`) makes: for each access, the row index of its first element
/// (the last access of the row where the lane has none: read, not used).
SmallVector<Value> laneStarts(const KernelArith &a, const DenseRowReads &reads,
                              int64_t lanes, Value lane) {
  SmallVector<Value> starts;
  for (int64_t x = 0; x < reads.accesses; ++x) {
    Value vector =
        a.min(a.add(lane, a.idx(x * lanes)), a.idx(reads.vectors - 1));
    starts.push_back(a.mul(vector, a.idx(reads.width)));
  }
  return starts;
}

/// Whether lane `lane`'s access `x` of `reads` is one of the row's.
Value laneHasAccess(const KernelArith &a, const DenseRowReads &reads,
                    int64_t lanes, Value lane, int64_t x) {
  return a.cmp(arith::CmpIPredicate::slt, a.add(lane, a.idx(x * lanes)),
               a.idx(reads.vectors));
}

/// All of a lane's elements of row `at` of `memref` read as `reads` says.
SmallVector<Value> loadLaneRow(const KernelArith &a, Value memref,
                               const DenseRowReads &reads,
                               ArrayRef<Value> starts, ArrayRef<Value> at) {
  SmallVector<Value> elements;
  for (Value start : starts)
    llvm::append_range(elements,
                       loadRowElements(a, memref, reads.width, at, start));
  return elements;
}

/// Writes element `d` of head `g` (of the group) of row `row`'s result
/// from the head's piece over all of the row's keys: the quotient of the
/// weighted sum and the sum, zeros for a head that sees no key.
void storeResult(const KernelArith &a, const DecodeAttention &att,
                 const DecodeAttention::Row &row, Value g, Value d,
                 const SoftmaxPiece &piece) {
  Value none = a.cmpf(arith::CmpFPredicate::OEQ, piece.max, a.negInf());
  Value result =
      a.select(none, a.f32(0),
               arith::DivFOp::create(a.b, a.loc, piece.acc[0], piece.sum));
  Type element = cast<MemRefType>(att.out.getType()).getElementType();
  if (!element.isF32())
    result = arith::TruncFOp::create(a.b, a.loc, element, result);
  Value head = a.add(a.mul(row.h, a.idx(att.group)), g);
  a.store(result, att.out, {row.b, head, row.i, d});
}

/// Where the dense kernel 1's blocks put their softmax pieces: for each of
/// its heads, the largest score (base 2) and sum of 2^(score - largest) of
/// its keys to `max` and `sum` ([rows, chunks, G]) and their weighted sum
/// of value rows to `acc` ([rows, chunks, G, Dv]), for the combine kernel.
struct PartialPieces {
  Value max, sum, acc;
};

/// The dense kernel 1: block c of plan.chunks per (query row, block of the
/// group's heads) attends over the keys of `list` at every plan.chunks-th
/// run of plan.step() positions from its c-th on. With `scratch`, it writes
/// its softmax pieces there, a block whose first run is past the end of
/// its row's list nothing. Without (one chunk), its piece is the row's:
/// it writes the result to the output. With `pages`, the block first
/// attends to its row's sinks and window, before it waits for the select
/// kernel, then writes the keys of the other pages it keeps (keepPages),
/// which are `list` from there on.
///
/// A slot of `lanes` neighbouring threads reads a key row and its value
/// row, 16 bytes per thread and access; the block's slots read
/// neighbouring rows, plan.keysInFlight of them per slot and step with all
/// their loads issued first, so that the cache streams from memory. Each
/// thread keeps its elements of the heads' scaled query rows and a softmax
/// piece per head (online softmax) in registers: a score is the lanes' dot
/// products summed by shuffles, and the slot's lanes update their pieces
/// with it, with no barrier until the pieces of the block's slots meet
/// (by shuffles within a warp, then in shared memory).
void buildDensePartial(OpBuilder &b, const DecodeAttention &att,
                       const DenseDecodePlan &plan, const KeyList &list,
                       const PartialPieces *scratch,
                       const TopKStart *selected = nullptr) {
  Location loc = att.op->getLoc();
  OpBuilder::InsertionGuard guard(b);
  constexpr int64_t threads = kDenseDecodeThreads;
  constexpr int64_t warps = threads / kWarpSize;
  int64_t heads = plan.headsPerBlock, lanes = plan.lanes;
  int64_t slots = plan.slots(), dv = att.valueDepth;
  int64_t headBlocks = plan.headBlocks(att.group);
  const DenseRowReads &keyReads = plan.key, &valueReads = plan.value;
  gpu::LaunchOp launch =
      createLaunch(b, loc, {plan.chunks, att.rows() * headBlocks}, threads);
  // Top-k attention's grid is a block per (query row, head block): a block
  // an SM at most. Told so, ptxas keeps the step's key and value rows in
  // flight together instead of a few at a time (page mode 5.4 against 8.1 us
  // at 32768 keys).
  if (selected)
    launch->setAttr(NVVM::NVVMDialect::getMinctasmAttrName(),
                    b.getI32IntegerAttr(1));
  Type f32 = b.getF32Type();
  Value warpMax =
      launch.addWorkgroupAttribution(sharedType(b, {warps, heads}, f32), loc);
  Value warpSum =
      launch.addWorkgroupAttribution(sharedType(b, {warps, heads}, f32), loc);
  Value warpAcc = launch.addWorkgroupAttribution(
      sharedType(b, {warps, heads, dv}, f32), loc);
  KernelArith a{b, loc};
  Value c = launch.getBlockIds().x, y = launch.getBlockIds().y;
  Value r = a.div(y, a.idx(headBlocks));
  Value g0 = a.mul(a.rem(y, a.idx(headBlocks)), a.idx(heads));
  Value t = launch.getThreadIds().x;
  DecodeAttention::Row row = att.row(a, r);
  Value slot = a.div(t, a.idx(lanes)), lane = a.rem(t, a.idx(lanes));
  SmallVector<Value> keyStarts = laneStarts(a, keyReads, lanes, lane);
  SmallVector<Value> valueStarts = laneStarts(a, valueReads, lanes, lane);

  // The lane's elements of the heads' query rows, scaled; 0 where the lane
  // has no access, so that its dot products add nothing.
  SmallVector<SmallVector<Value>> q(heads);
  for (int64_t h = 0; h < heads; ++h) {
    Value head = a.add(a.mul(row.h, a.idx(att.group)), a.add(g0, a.idx(h)));
    for (auto [x, start] : llvm::enumerate(keyStarts)) {
      Value has = laneHasAccess(a, keyReads, lanes, lane, x);
      for (int64_t e = 0; e < keyReads.width; ++e) {
        Value element =
            a.load(att.query, {row.b, head, row.i, a.add(start, a.idx(e))});
        if (selected)
          markBeforeWait(element.getDefiningOp());
        Value v = a.toF32(element);
        q[h].push_back(
            a.select(has, a.mul(v, a.f32(att.scale * kLog2E)), a.f32(0)));
      }
    }
  }

  int64_t step = plan.step();
  Value start = a.mul(c, a.idx(step));
  int64_t unroll = plan.keysInFlight, stride = plan.chunks * step;
  int64_t valueElements = valueReads.elements();
  SmallVector<Value> inits;
  for (int64_t h = 0; h < heads; ++h) {
    inits.append({a.negInf(), a.f32(0)});
    inits.append(valueElements, a.f32(0));
  }
  auto piecesAt = [&](ValueRange values) {
    SmallVector<SoftmaxPiece> pieces;
    int64_t stride = 2 + valueElements;
    for (int64_t h = 0; h < heads; ++h) {
      ValueRange v = values.slice(h * stride, stride);
      pieces.push_back({v[0], v[1], SmallVector<Value>(v.drop_front(2))});
    }
    return pieces;
  };
  auto flatten = [](ArrayRef<SoftmaxPiece> pieces) {
    SmallVector<Value> values;
    for (const SoftmaxPiece &p : pieces) {
      values.append({p.max, p.sum});
      llvm::append_range(values, p.acc);
    }
    return values;
  };
  // The heads' pieces `from` (flattened) extended by the keys at positions
  // [start, count) of a list, the key at position p being keyAt(p) (p
  // below count). The block's keys: every plan.chunks-th run of `step`
  // positions from its c-th on. Interleaved runs keep a short list on a
  // few blocks, each with little to do, and a long one on all of them.
  // Each step, a slot reads `unroll` rows. A position past the list reads
  // its last key instead (no branch) and scores -inf.
  auto attend = [&](ValueRange from, Value count,
                    function_ref<Value(Value)> keyAt) {
    Value steps =
        a.div(a.add(a.sub(count, start), a.idx(stride - 1)), a.idx(stride));
    auto loop = scf::ForOp::create(b, loc, a.idx(0), steps, a.idx(1), from);
    OpBuilder::InsertionGuard inner(b);
    b.setInsertionPointToStart(loop.getBody());
    Value it = loop.getInductionVar();
    Value last = a.sub(count, a.idx(1));
    SmallVector<Value> js, seen;
    SmallVector<SmallVector<Value>> keyRows, valueRows;
    for (int64_t u = 0; u < unroll; ++u) {
      Value p = a.add(a.add(a.mul(it, a.idx(stride)), start),
                      slotRow(a, a.idx(0), unroll, u, slots, slot));
      seen.push_back(a.cmp(arith::CmpIPredicate::slt, p, count));
      js.push_back(keyAt(a.min(p, last)));
    }
    for (Value j : js) {
      CacheRows::Row keyRow = att.key.at(a, row.b, row.h, j);
      keyRows.push_back(
          loadLaneRow(a, keyRow.memref, keyReads, keyStarts, keyRow.at));
      CacheRows::Row valueRow = att.value.at(a, row.b, row.h, j);
      valueRows.push_back(loadLaneRow(a, valueRow.memref, valueReads,
                                      valueStarts, valueRow.at));
    }
    SmallVector<SoftmaxPiece> pieces = piecesAt(loop.getRegionIterArgs());
    for (int64_t h = 0; h < heads; ++h) {
      Value g = a.add(g0, a.idx(h));
      SmallVector<Value> scores;
      for (int64_t u = 0; u < unroll; ++u) {
        Value dot = a.f32(0);
        for (auto [qe, ke] : llvm::zip_equal(q[h], keyRows[u]))
          dot = math::FmaOp::create(b, loc, qe, ke, dot);
        dot = acrossLanes(a, dot, lanes,
                          [&](Value x, Value z) { return a.add(x, z); });
        std::pair<Value, Value> mask = att.maskAt(a, row, g, js[u]);
        mask.second = a.mul(mask.second, a.f32(kLog2E));
        Value score = DecodeAttention::masked(a, mask, dot);
        scores.push_back(a.select(seen[u], score, a.negInf()));
      }
      SoftmaxPiece &piece = pieces[h];
      Value m = piece.max;
      for (Value s : scores)
        m = arith::MaximumFOp::create(b, loc, m, s);
      Value base = finiteMax(a, m);
      Value factor = math::Exp2Op::create(b, loc, a.sub(piece.max, base));
      Value sum = a.mul(piece.sum, factor);
      for (Value &acc : piece.acc)
        acc = a.mul(acc, factor);
      for (int64_t u = 0; u < unroll; ++u) {
        Value w = math::Exp2Op::create(b, loc, a.sub(scores[u], base));
        sum = a.add(sum, w);
        for (auto [acc, v] : llvm::zip_equal(piece.acc, valueRows[u]))
          acc = math::FmaOp::create(b, loc, w, v, acc);
      }
      piece.max = m;
      piece.sum = sum;
    }
    scf::YieldOp::create(b, loc, flatten(pieces));
    return loop;
  };

  SmallVector<Value> pieceValues = inits;
  KeyList keys = list;
  Value listRow = y;
  if (selected) {
    // The row's sink and window keys follow from its position alone: the
    // block attends to them (and loads its query rows) before it waits
    // for kernel 1, beside it. Then the other keys it keeps, which it
    // lists itself.
    Value early = a.add(row.sinkEnd, a.sub(row.visible, row.windowStart));
    scf::ForOp sinksAndWindow = attend(inits, early, [&](Value p) {
      return a.select(a.cmp(arith::CmpIPredicate::ult, p, row.sinkEnd), p,
                      a.add(row.windowStart, a.sub(p, row.sinkEnd)));
    });
    markBeforeWait(sinksAndWindow);
    pieceValues = sinksAndWindow.getResults();
    std::tie(keys, listRow) =
        att.pageSize
            ? keepPages(launch, a, att, row, r, y, t, threads, *selected)
            : std::make_pair(
                  keepTokens(launch, a, att, row, r, t, threads, selected->in),
                  a.idx(0));
  }
  Value count = keys.count(a, row, listRow);
  // A chunk past the end of its row's keys (a causal limit) does nothing:
  // the combine kernel reads the row's live chunks only. The condition is
  // the same for the whole block: its barriers stay uniform.
  if (scratch) {
    auto live = scf::IfOp::create(
        b, loc, a.cmp(arith::CmpIPredicate::slt, start, count),
        /*withElse=*/false);
    b.setInsertionPointToStart(&live.getThenRegion().front());
  }
  scf::ForOp loop = attend(pieceValues, count,
                           [&](Value p) { return keys.at(a, listRow, p); });

  // The warp's slots merge their pieces (shuffles); its first slot writes
  // them to shared memory.
  SmallVector<SoftmaxPiece> pieces = piecesAt(loop.getResults());
  for (int64_t offset = lanes; offset < kWarpSize; offset *= 2)
    for (SoftmaxPiece &piece : pieces) {
      auto other = [&](Value x) -> Value {
        return gpu::ShuffleOp::create(b, loc, x, offset, kWarpSize,
                                      gpu::ShuffleMode::XOR)
            .getShuffleResult();
      };
      SoftmaxPiece theirs{other(piece.max), other(piece.sum), {}};
      for (Value acc : piece.acc)
        theirs.acc.push_back(other(acc));
      piece = mergePieces(a, piece, theirs);
    }
  Value warp = a.div(t, a.idx(kWarpSize));
  Value warpLane = a.rem(t, a.idx(kWarpSize));
  a.when(a.cmp(arith::CmpIPredicate::ult, warpLane, a.idx(lanes)), [&] {
    for (int64_t h = 0; h < heads; ++h) {
      const SoftmaxPiece &piece = pieces[h];
      Value hv = a.idx(h);
      a.when(a.cmp(arith::CmpIPredicate::eq, lane, a.idx(0)), [&] {
        a.store(piece.max, warpMax, {warp, hv});
        a.store(piece.sum, warpSum, {warp, hv});
      });
      for (int64_t x = 0; x < valueReads.accesses; ++x)
        a.when(laneHasAccess(a, valueReads, lanes, lane, x), [&] {
          for (int64_t e = 0; e < valueReads.width; ++e)
            a.store(piece.acc[x * valueReads.width + e], warpAcc,
                    {warp, hv, a.add(valueStarts[x], a.idx(e))});
        });
    }
  });
  a.barrier();

  // The block's piece: the warps' pieces rescaled to the largest maximum.
  a.loop(t, a.idx(heads * dv), a.idx(threads), [&](Value p) {
    Value h = a.div(p, a.idx(dv)), d = a.rem(p, a.idx(dv));
    SoftmaxPiece block{a.load(warpMax, {a.idx(0), h}),
                       a.load(warpSum, {a.idx(0), h}),
                       {a.load(warpAcc, {a.idx(0), h, d})}};
    for (int64_t w = 1; w < warps; ++w) {
      Value wv = a.idx(w);
      block = mergePieces(a, block,
                          {a.load(warpMax, {wv, h}),
                           a.load(warpSum, {wv, h}),
                           {a.load(warpAcc, {wv, h, d})}});
    }
    Value g = a.add(g0, h);
    if (!scratch)
      return storeResult(a, att, row, g, d, block);
    a.when(a.cmp(arith::CmpIPredicate::eq, d, a.idx(0)), [&] {
      a.store(block.max, scratch->max, {r, c, g});
      a.store(block.sum, scratch->sum, {r, c, g});
    });
    a.store(block.acc[0], scratch->acc, {r, c, g, d});
  });
}

/// The dense kernel 2: a block per (query row, kWarpSize output elements of
/// the row's heads). Each of the block's slices of kWarpSize threads merges
/// every slices-th piece of the row's live chunks (those holding some of
/// its keys: one for a page-mode row that is not exact), kChunksInFlight
/// pieces' loads issued together; the slices' pieces meet in shared
/// memory, and the first slice writes the quotient of the weighted sum and
/// the sum (zeros for a head that sees no key).
void buildDenseCombine(OpBuilder &b, const DecodeAttention &att,
                       const DenseDecodePlan &plan, const PartialPieces &in) {
  Location loc = att.op->getLoc();
  OpBuilder::InsertionGuard guard(b);
  constexpr int64_t threads = kDenseDecodeThreads;
  constexpr int64_t outputs = kWarpSize, slices = threads / outputs;
  int64_t perRow = att.group * att.valueDepth;
  gpu::LaunchOp launch = createLaunch(
      b, loc, {att.rows(), int64_t(llvm::divideCeil(perRow, outputs))},
      threads);
  Type f32 = b.getF32Type();
  SmallVector<Value> shared;
  for (int i = 0; i < 3; ++i)
    shared.push_back(launch.addWorkgroupAttribution(
        sharedType(b, {slices, outputs}, f32), loc));
  KernelArith a{b, loc};
  Value r = launch.getBlockIds().x;
  Value t = launch.getThreadIds().x;
  DecodeAttention::Row row = att.row(a, r);
  Value s = a.div(t, a.idx(outputs)), o = a.rem(t, a.idx(outputs));
  Value p = a.add(a.mul(launch.getBlockIds().y, a.idx(outputs)), o);
  // An element past the row's reads the last (never written).
  Value pc = a.min(p, a.idx(perRow - 1));
  Value g = a.div(pc, a.idx(att.valueDepth));
  Value d = a.rem(pc, a.idx(att.valueDepth));
  Value count = row.visible;
  // Blocks that had keys: one per `step` keys, at most all of them.
  Value chunks =
      a.min(a.div(a.add(count, a.idx(plan.step() - 1)), a.idx(plan.step())),
            a.idx(plan.chunks));
  int64_t unroll = kChunksInFlight, perStep = unroll * slices;
  Value steps = a.div(a.add(chunks, a.idx(perStep - 1)), a.idx(perStep));
  Value inits[] = {a.negInf(), a.f32(0), a.f32(0)};
  auto loop = scf::ForOp::create(b, loc, a.idx(0), steps, a.idx(1), inits);
  {
    OpBuilder::InsertionGuard inner(b);
    b.setInsertionPointToStart(loop.getBody());
    SmallVector<SoftmaxPiece> pieces;
    for (int64_t u = 0; u < unroll; ++u) {
      Value chunk = a.add(
          a.mul(a.add(a.mul(loop.getInductionVar(), a.idx(unroll)), a.idx(u)),
                a.idx(slices)),
          s);
      // A chunk past the live ones reads the first and counts as empty.
      Value valid = a.cmp(arith::CmpIPredicate::slt, chunk, chunks);
      Value c = a.select(valid, chunk, a.idx(0));
      pieces.push_back({a.select(valid, a.load(in.max, {r, c, g}), a.negInf()),
                        a.load(in.sum, {r, c, g}),
                        {a.load(in.acc, {r, c, g, d})}});
    }
    ValueRange acc = loop.getRegionIterArgs();
    SoftmaxPiece merged{acc[0], acc[1], {acc[2]}};
    for (const SoftmaxPiece &piece : pieces)
      merged = mergePieces(a, merged, piece);
    scf::YieldOp::create(b, loc,
                         ValueRange{merged.max, merged.sum, merged.acc[0]});
  }
  for (auto [value, buffer] : llvm::zip_equal(loop.getResults(), shared))
    a.store(value, buffer, {s, o});
  a.barrier();
  Value last = a.cmp(arith::CmpIPredicate::ult, p, a.idx(perRow));
  a.when(a.both(a.cmp(arith::CmpIPredicate::eq, s, a.idx(0)), last), [&] {
    SoftmaxPiece piece{
        loop.getResult(0), loop.getResult(1), {loop.getResult(2)}};
    for (int64_t other = 1; other < slices; ++other) {
      Value at[] = {a.idx(other), o};
      piece = mergePieces(a, piece,
                          {a.load(shared[0], at),
                           a.load(shared[1], at),
                           {a.load(shared[2], at)}});
    }
    storeResult(a, att, row, g, d, piece);
  });
}

/// The dense kernels over the rows' visible keys and the scratch between
/// them.
void buildDenseKernels(OpBuilder &b, const DecodeAttention &att,
                       const DenseDecodePlan &plan) {
  Location loc = att.op->getLoc();
  auto f32 = b.getF32Type();
  int64_t rows = att.rows();
  Value maxima = memref::AllocOp::create(
      b, loc, MemRefType::get({rows, plan.chunks, att.group}, f32));
  Value sums = memref::AllocOp::create(
      b, loc, MemRefType::get({rows, plan.chunks, att.group}, f32));
  Value acc = memref::AllocOp::create(
      b, loc,
      MemRefType::get({rows, plan.chunks, att.group, att.valueDepth}, f32));
  PartialPieces pieces{maxima, sums, acc};
  buildDensePartial(b, att, plan, KeyList{}, &pieces);
  buildDenseCombine(b, att, plan, pieces);
}

/// The dense kernels' split of `keys` keys per row, or an error.
FailureOr<DenseDecodePlan> planDense(const DecodeAttention &att, int64_t keys) {
  std::optional<DenseDecodePlan> plan = planDenseDecode(
      att.rows(), keys, att.group, denseReads(att.key, att.depth),
      denseReads(att.value, att.valueDepth), att.valueDepth);
  if (!plan)
    return DecodeAttentionOp(att.op).emitError(
               "decode attention on CUDA cannot hold one query head of size ")
           << att.depth << " (values " << att.valueDepth
           << ") in a block's registers and " << kDecodeSharedBytes
           << " bytes of shared memory";
  return *plan;
}

LogicalResult buildKernels(DecodeAttentionOp op) {
  if (!CacheRows::readable(op))
    return op.emitError("decode attention on CUDA reads a cache and its new "
                        "rows through buffers of static strides");
  OpBuilder b(op);
  DecodeAttention att(b, op);
  if (att.topK >= att.keys) {
    FailureOr<DenseDecodePlan> plan = planDense(att, att.keys);
    if (failed(plan))
      return failure();
    buildDenseKernels(b, att, *plan);
    op.erase();
    return success();
  }
  if (!att.pageSize && att.budget > kMaxDecodeAttentionBudget)
    return op.emitError("top-k attention on CUDA keeps at most ")
           << kMaxDecodeAttentionBudget << " keys per query, not "
           << att.budget;
  if (att.pageSize && att.bufferSize > kMaxDecodeAttentionPages)
    return op.emitError("top-k attention by pages on CUDA chooses at most ")
           << kMaxDecodeAttentionPages << " pages per query by rank, not "
           << att.bufferSize;
  if (att.selectShared() > kDecodeSharedBytes)
    return op.emitError("top-k attention on CUDA needs ")
           << att.selectShared() << " bytes of shared memory per block for "
           << att.group << " query heads per key/value head of size "
           << att.depth << "; at most " << kDecodeSharedBytes << " are used";
  // One block per query head attends over its row's kept keys, after
  // keepTokens' or keepPages' list in shared memory: the rows' dot products
  // and the softmax are the block's work after the list, and its latency is
  // the kernel's. Twice the rows in flight when the sinks and window, or a
  // list that is not exact, need more than one step of the dense kernel's.
  FailureOr<DenseDecodePlan> plan = planDense(att, att.keys);
  if (failed(plan))
    return failure();
  plan->chunks = 1;
  plan->headsPerBlock = 1;
  int64_t early = att.pageSize ? att.pageEarlyKeys : att.sink + att.window;
  int64_t listed = att.pageSize ? att.pageListedKeys : att.bufferSize;
  if (std::max(early, listed) > plan->step())
    plan->keysInFlight = 2 * kDecodeKeysInFlight;
  constexpr int64_t warps = kDenseDecodeThreads / kWarpSize;
  // The warps' softmax pieces, then keepPages' merged lists, count of
  // chosen pages and warp totals, or keepTokens' histogram, warp totals,
  // the bin found and the list of kept keys with its count.
  int64_t attend =
      4 *
      (warps * (att.valueDepth + 2) +
       (att.pageSize ? 2 * att.pageListEntries(kDenseDecodeThreads) + 1 + warps
                     : kRadixBins + warps + 2 + att.budget + 1));
  if (attend > kDecodeSharedBytes)
    return op.emitError("top-k attention on CUDA needs ")
           << attend << " bytes of shared memory per block to attend with "
           << "a query head of size " << att.valueDepth << "; at most "
           << kDecodeSharedBytes << " are used";
  Location loc = op.getLoc();
  MLIRContext *ctx = op.getContext();
  auto f32 = Float32Type::get(ctx);
  auto i32 = IntegerType::get(ctx, 32);
  int64_t rows = att.rows();
  Value ranks = memref::AllocOp::create(
      b, loc, MemRefType::get({rows, att.chunks, att.listSize}, f32));
  Value keys = memref::AllocOp::create(
      b, loc, MemRefType::get({rows, att.chunks, att.listSize}, i32));
  Value counts, seenPages;
  if (att.mask)
    counts = memref::AllocOp::create(b, loc,
                                     MemRefType::get({rows, att.chunks}, i32));
  if (att.pageSize)
    seenPages = memref::AllocOp::create(
        b, loc, MemRefType::get({rows, att.pageWords()}, i32));
  buildSelect(b, att, ranks, keys, counts, seenPages);
  // Page mode's kept keys in the attention kernel's shared memory where
  // they fit, else in global memory, a list per block; token mode's
  // always in shared memory (at most the budget).
  KeyList kept;
  if (att.pageSize &&
      attend + 4 * (att.pageKeptKeys + 1) > kDecodeSharedBytes) {
    int64_t lists = rows * plan->headBlocks(att.group);
    kept = {memref::AllocOp::create(
                b, loc, MemRefType::get({lists, att.pageKeptKeys}, i32)),
            memref::AllocOp::create(b, loc, MemRefType::get({lists}, i32))};
  }
  TopKStart start{{ranks, keys, counts, seenPages}, kept};
  // keepTokens or keepPages writes the list the kernel attends over.
  buildDensePartial(b, att, *plan, KeyList{}, /*scratch=*/nullptr, &start);
  op.erase();
  return success();
}

struct DecodeAttentionKernelsPass
    : autoglm::impl::AutoGLMCUDADecodeAttentionKernelsBase<
          DecodeAttentionKernelsPass> {
  void runOnOperation() override {
    SmallVector<DecodeAttentionOp> ops;
    getOperation().walk([&](DecodeAttentionOp op) { ops.push_back(op); });
    for (DecodeAttentionOp op : ops) {
      if (!op.getResultTensors().empty())
        return (void)(op.emitError("decode_attention must be on buffers "
                                   "here (after bufferization)"),
                      signalPassFailure());
      if (failed(buildKernels(op)))
        return signalPassFailure();
    }
  }
};
} // namespace
