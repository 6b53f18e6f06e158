//===- TopKAttention.cpp - autoglm.topk_attention as one fused kernel -----===//
//
// One loop nest per op: an scf.forall over batch and key/value head (on the
// CPU, the runtime's threads), and inside it, for each query in order,
//
//   1. select: one pass over the candidate keys (neither sink nor window)
//      scores each key against the group's query heads (one read of the key
//      row, a vector dot product per head), takes the best score as the
//      key's rank and inserts it into a descending buffer of the top_k best
//      (score, key index), shifting only the entries it passes; a key that
//      does not beat the buffer's last entry costs a compare. With a mask
//      the pass also counts the keys some head of the group may see.
//   2. attend: an online softmax per query head over the sinks, the window
//      and the buffer's keys (or, when the row has no more valid keys than
//      the budget, over all of them: exact), reading only their key and
//      value rows, and one write of each head's output row.
//
// Page granularity (`page_size`): the select pass runs over pages instead of
// keys. A candidate page (neither a sink nor a window page) is ranked from
// its key bounds alone, sum_d max(q_d min_d, q_d max_d) per query head (an
// upper bound of the page's scores) plus the page's largest mask value for
// the head, best over the group; the buffer keeps the ceil(top_k /
// page_size) best pages, and attend reads their keys. So K is read only in
// the kept pages; the bounds (two rows per page) and, with a mask, the mask
// are what every page costs.
//
// No score tensor is written: the scratch per row is the buffer (top_k
// scores and indices), one per parallel iteration, refilled per row.
// Scores are computed in f32 (f64 for f64 inputs) whatever the element
// type, so f16 needs no finite stand-in for -inf. Masks and the causal limit
// apply before selection; ties keep the lower key index (strict compares,
// keys visited in order).
//
//===----------------------------------------------------------------------===//

#include "Common.h"

#include "autoglm/Dialect/AttentionCache.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::autoglm;
using namespace mlir::autoglm::lowering;

namespace {
/// The per-op constants and the code that reads operands; one instance per
/// lowered op.
struct TopKAttentionBuilder {
  TopKAttentionOp op;
  Value query, key, value, mask, pageMin, pageMax;
  Location loc;
  Type elementType, computeType;
  int64_t batch, queryHeads, queries, depth, kvHeads, keys, valueDepth, group;
  int64_t bufferSize, budget, sink, window;
  int64_t pageSize = 0, pages = 0; // page granularity when pageSize > 0
  double scale;
  bool causal;
  bool maskVariesByHead = false;

  /// Per query row: the query head vectors (scaled) and the row indices.
  struct Row {
    Value b, g, i;
    SmallVector<Value> heads; // G vectors of depth, scaled, computeType
    Value neg;                // -inf in computeType
  };
  /// The online softmax state of one query head.
  struct HeadState {
    Value max, sum, acc;
  };

  TopKAttentionBuilder(TopKAttentionOp op, Value query, Value key, Value value,
                       Value mask, Value pageMin, Value pageMax)
      : op(op), query(query), key(key), value(value), mask(mask),
        pageMin(pageMin), pageMax(pageMax), loc(op.getLoc()) {
    auto qt = cast<RankedTensorType>(query.getType());
    auto kt = cast<RankedTensorType>(key.getType());
    auto vt = cast<RankedTensorType>(value.getType());
    elementType = qt.getElementType();
    computeType = elementType.getIntOrFloatBitWidth() > 32
                      ? elementType
                      : Float32Type::get(op.getContext());
    batch = qt.getDimSize(0);
    queryHeads = qt.getDimSize(1);
    queries = qt.getDimSize(2);
    depth = qt.getDimSize(3);
    kvHeads = kt.getDimSize(1);
    keys = kt.getDimSize(2);
    valueDepth = vt.getDimSize(3);
    group = queryHeads / kvHeads;
    int64_t topK = op.getTopKAttr().getInt();
    bufferSize = std::max<int64_t>(1, std::min(topK, keys));
    sink = op.getSinkAttr().getInt();
    window = op.getWindowAttr().getInt();
    budget = topK + sink + window;
    if (IntegerAttr page = op.getPageSizeAttr()) {
      pageSize = page.getInt();
      pages = keys / pageSize;
      bufferSize = std::max<int64_t>(
          1, std::min((topK + pageSize - 1) / pageSize, pages));
    }
    scale = op.getScale().convertToDouble();
    causal = op.getCausal();
    if (mask) {
      auto mt = cast<RankedTensorType>(mask.getType());
      // Aligned from the right, the head dimension is the mask's rank - 3.
      int64_t headDim = mt.getRank() - 3;
      maskVariesByHead = headDim >= 0 && mt.getDimSize(headDim) != 1;
    }
  }

  Value idx(OpBuilder &b, int64_t v) const { return indexConst(b, loc, v); }

  /// Where the keys and values are read from when the op's region computes
  /// them from a cache's parts (--autoglm-cpu-attention-cache): the parts,
  /// read in place; the operands themselves otherwise.
  std::optional<AttentionCacheSource> keyParts, valueParts;
  /// Likewise the page bounds, when the region makes them from the
  /// caller's bounds and the step's new pages.
  std::optional<PageBoundsParts> pageMinParts, pageMaxParts;

  /// Row `j` of two parts along the rows, `count` of `first`'s then
  /// `second`'s: `read` of the part that holds it and the row there.
  Value readOfTwo(OpBuilder &b, Value first, Value second, int64_t count,
                  Value j, int64_t size,
                  function_ref<Value(OpBuilder &, Value, Value)> read) const {
    Value inSecond = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, j,
                                           idx(b, count));
    auto type = VectorType::get({size}, computeType);
    auto branch = scf::IfOp::create(b, loc, TypeRange{type}, inSecond,
                                    /*withElseRegion=*/true);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&branch.getThenRegion().front());
    scf::YieldOp::create(
        b, loc,
        read(b, second, arith::SubIOp::create(b, loc, j, idx(b, count))));
    b.setInsertionPointToStart(&branch.getElseRegion().front());
    scf::YieldOp::create(b, loc, read(b, first, j));
    return branch.getResult(0);
  }

  /// Row `j` of batch `row.b` and key/value head `row.g` of the keys (or
  /// values, `source`), `size` elements, widened to computeType.
  Value readCacheRow(OpBuilder &b, const Row &row, Value whole,
                     const std::optional<AttentionCacheSource> &source, Value j,
                     int64_t size) const {
    if (!source)
      return readRow(b, whole, {row.b, row.g, j}, size);
    auto read = [&](OpBuilder &nb, Value part, Value at) {
      return source->seqMajor ? readRow(nb, part, {row.b, at, row.g}, size)
                              : readRow(nb, part, {row.b, row.g, at}, size);
    };
    if (source->parts.size() == 1)
      return read(b, source->parts[0], j);
    auto first = cast<RankedTensorType>(source->parts[0].getType());
    int64_t count = first.getDimSize(source->seqMajor ? 1 : 2);
    return readOfTwo(b, source->parts[0], source->parts[1], count, j, size,
                     read);
  }

  /// Page `p`'s bound row (batch `row.b`, key/value head `row.g`) of
  /// `whole`, or of its parts: the caller's below the first new page, the
  /// step's from it on.
  Value readBoundRow(OpBuilder &b, const Row &row, Value whole,
                     const std::optional<PageBoundsParts> &parts,
                     Value p) const {
    auto read = [&](OpBuilder &nb, Value part, Value at) {
      return readRow(nb, part, {row.b, row.g, at}, depth);
    };
    if (!parts)
      return read(b, whole, p);
    return readOfTwo(b, parts->given, parts->fresh, parts->freshPage, p, depth,
                     read);
  }

  /// A row of `depth` elements of a 4-D tensor, widened to computeType.
  Value readRow(OpBuilder &b, Value tensor, ValueRange indices,
                int64_t size) const {
    Value zero = idx(b, 0);
    SmallVector<Value> at(indices.begin(), indices.end());
    at.push_back(zero);
    Value pad = floatConst(b, loc, elementType, 0.0);
    Value row = vector::TransferReadOp::create(
        b, loc, VectorType::get({size}, elementType), tensor, at, pad,
        ArrayRef<bool>{true});
    if (elementType == computeType)
      return row;
    return arith::ExtFOp::create(b, loc, VectorType::get({size}, computeType),
                                 row);
  }

  Value dot(OpBuilder &b, Value x, Value y) const {
    Value product = arith::MulFOp::create(b, loc, x, y);
    return vector::ReductionOp::create(b, loc, vector::CombiningKind::ADD,
                                       product, arith::FastMathFlags::reassoc);
  }

  /// Whether query head `h` (of the group) may see key `j`, and the additive
  /// mask value (0 without a float mask).
  std::pair<Value, Value> maskAt(OpBuilder &b, const Row &row, int64_t h,
                                 Value j) const {
    Value zero = floatConst(b, loc, computeType, 0.0);
    Value yes = arith::ConstantOp::create(b, loc, b.getBoolAttr(true));
    if (!mask)
      return {yes, zero};
    auto mt = cast<RankedTensorType>(mask.getType());
    Value head = arith::AddIOp::create(
        b, loc, arith::MulIOp::create(b, loc, row.g, idx(b, group)), idx(b, h));
    Value full[] = {row.b, head, row.i, j};
    SmallVector<Value> at;
    for (int64_t d = 0, r = mt.getRank(); d < r; ++d)
      at.push_back(mt.getDimSize(d) == 1 ? idx(b, 0) : full[4 - r + d]);
    Value m = tensor::ExtractOp::create(b, loc, mask, at);
    Type maskType = mt.getElementType();
    if (maskType.isInteger(1))
      return {m, zero};
    Value add = castScalar(b, loc, m, maskType, computeType);
    Value allowed =
        arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, add, row.neg);
    return {allowed, add};
  }

  /// The masked scores of key row `k` (index `j`) for each head of the
  /// group: -inf where masked.
  SmallVector<Value> scores(OpBuilder &b, const Row &row, Value k,
                            Value j) const {
    SmallVector<Value> result;
    std::pair<Value, Value> shared;
    if (!maskVariesByHead)
      shared = maskAt(b, row, 0, j);
    for (int64_t h = 0; h < group; ++h) {
      auto [allowed, add] = maskVariesByHead ? maskAt(b, row, h, j) : shared;
      Value s = arith::AddFOp::create(b, loc, dot(b, row.heads[h], k), add);
      result.push_back(arith::SelectOp::create(b, loc, allowed, s, row.neg));
    }
    return result;
  }

  /// Whether some head of the group may see key `j`.
  Value anyHeadSees(OpBuilder &b, const Row &row, Value j) const {
    Value any = maskAt(b, row, 0, j).first;
    if (maskVariesByHead)
      for (int64_t h = 1; h < group; ++h)
        any = arith::OrIOp::create(b, loc, any, maskAt(b, row, h, j).first);
    return any;
  }

  /// Inserts (rank, j) into the descending buffer (scores, indices) whose
  /// last entry `rank` beats: entries below it move down one place.
  std::pair<Value, Value> insert(OpBuilder &b, Value scores, Value indices,
                                 Value rank, Value j) const {
    Type types[] = {b.getIndexType(), scores.getType(), indices.getType()};
    Value inits[] = {idx(b, bufferSize - 1), scores, indices};
    auto loop = scf::WhileOp::create(
        b, loc, types, inits,
        [&](OpBuilder &nb, Location l, ValueRange a) {
          // Move on while the entry above is smaller than the new rank.
          Value positive = arith::CmpIOp::create(
              nb, l, arith::CmpIPredicate::sgt, a[0], idx(nb, 0));
          Value above = arith::SelectOp::create(
              nb, l, positive, arith::SubIOp::create(nb, l, a[0], idx(nb, 1)),
              idx(nb, 0));
          Value aboveScore = tensor::ExtractOp::create(nb, l, a[1], above);
          Value smaller = arith::CmpFOp::create(
              nb, l, arith::CmpFPredicate::OLT, aboveScore, rank);
          Value more = arith::AndIOp::create(nb, l, positive, smaller);
          scf::ConditionOp::create(nb, l, more, a);
        },
        [&](OpBuilder &nb, Location l, ValueRange a) {
          Value above = arith::SubIOp::create(nb, l, a[0], idx(nb, 1));
          Value s = tensor::InsertOp::create(
              nb, l, tensor::ExtractOp::create(nb, l, a[1], above), a[1], a[0]);
          Value i = tensor::InsertOp::create(
              nb, l, tensor::ExtractOp::create(nb, l, a[2], above), a[2], a[0]);
          scf::YieldOp::create(nb, l, ValueRange{above, s, i});
        });
    Value at = loop.getResult(0);
    Value s = tensor::InsertOp::create(b, loc, rank, loop.getResult(1), at);
    Value i = tensor::InsertOp::create(
        b, loc, arith::IndexCastOp::create(b, loc, b.getI32Type(), j),
        loop.getResult(2), at);
    return {s, i};
  }

  /// One step of the online softmax of every head of the group with key `j`.
  SmallVector<HeadState> attend(OpBuilder &b, const Row &row,
                                ArrayRef<HeadState> state, Value j) const {
    Value k = readCacheRow(b, row, key, keyParts, j, depth);
    Value v = readCacheRow(b, row, value, valueParts, j, valueDepth);
    SmallVector<Value> s = scores(b, row, k, j);
    SmallVector<HeadState> next;
    Value zero = floatConst(b, loc, computeType, 0.0);
    auto vecType = VectorType::get({valueDepth}, computeType);
    for (int64_t h = 0; h < group; ++h) {
      const HeadState &st = state[h];
      Value max = arith::MaximumFOp::create(b, loc, st.max, s[h]);
      // Nothing seen yet (max still -inf): both weights are 0, not NaN.
      Value none = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, max,
                                         row.neg);
      auto weight = [&](Value x) {
        Value e =
            math::ExpOp::create(b, loc, arith::SubFOp::create(b, loc, x, max));
        return Value(arith::SelectOp::create(b, loc, none, zero, e));
      };
      Value alpha = weight(st.max), p = weight(s[h]);
      Value sum = arith::AddFOp::create(
          b, loc, arith::MulFOp::create(b, loc, st.sum, alpha), p);
      Value acc = arith::AddFOp::create(
          b, loc,
          arith::MulFOp::create(
              b, loc, st.acc,
              vector::BroadcastOp::create(b, loc, vecType, alpha)),
          arith::MulFOp::create(
              b, loc, v, vector::BroadcastOp::create(b, loc, vecType, p)));
      next.push_back({max, sum, acc});
    }
    return next;
  }

  static SmallVector<Value> flatten(ArrayRef<HeadState> state) {
    SmallVector<Value> values;
    for (const HeadState &s : state)
      values.append({s.max, s.sum, s.acc});
    return values;
  }
  static SmallVector<HeadState> unflatten(ValueRange values) {
    SmallVector<HeadState> state;
    for (size_t i = 0; i + 2 < values.size(); i += 3)
      state.push_back({values[i], values[i + 1], values[i + 2]});
    return state;
  }

  /// attend() over keys [lo, hi) (`fromBuffer`: over buffer entries [lo, hi),
  /// skipping those never filled).
  SmallVector<HeadState> attendRange(OpBuilder &b, const Row &row,
                                     ArrayRef<HeadState> state, Value lo,
                                     Value hi, Value scoresBuf = {},
                                     Value indicesBuf = {}) const {
    auto loop = scf::ForOp::create(
        b, loc, lo, hi, idx(b, 1), flatten(state),
        [&](OpBuilder &nb, Location l, Value t, ValueRange a) {
          SmallVector<HeadState> st = unflatten(a);
          if (!scoresBuf) {
            scf::YieldOp::create(nb, l, flatten(attend(nb, row, st, t)));
            return;
          }
          Value rank = tensor::ExtractOp::create(nb, l, scoresBuf, t);
          Value filled = arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OGT,
                                               rank, row.neg);
          auto use = scf::IfOp::create(
              nb, l, filled,
              [&](OpBuilder &ib, Location il) {
                Value j = arith::IndexCastOp::create(
                    ib, il, ib.getIndexType(),
                    tensor::ExtractOp::create(ib, il, indicesBuf, t));
                if (!pageSize) {
                  scf::YieldOp::create(ib, il, flatten(attend(ib, row, st, j)));
                  return;
                }
                // Entry j is a page: its keys.
                Value first =
                    arith::MulIOp::create(ib, il, j, idx(ib, pageSize));
                Value end =
                    arith::AddIOp::create(ib, il, first, idx(ib, pageSize));
                scf::YieldOp::create(
                    ib, il, flatten(attendRange(ib, row, st, first, end)));
              },
              [&](OpBuilder &ib, Location il) {
                scf::YieldOp::create(ib, il, ValueRange(a));
              });
          scf::YieldOp::create(nb, l, use.getResults());
        });
    return unflatten(loop.getResults());
  }

  /// Inserts (rank, j) into the buffers when it beats their last entry.
  std::pair<Value, Value> offer(OpBuilder &b, Value scores, Value indices,
                                Value rank, Value j) const {
    Value last =
        tensor::ExtractOp::create(b, loc, scores, idx(b, bufferSize - 1));
    Value better =
        arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, rank, last);
    auto kept = scf::IfOp::create(
        b, loc, better,
        [&](OpBuilder &tb, Location tl) {
          auto [s2, i2] = insert(tb, scores, indices, rank, j);
          scf::YieldOp::create(tb, tl, ValueRange{s2, i2});
        },
        [&](OpBuilder &tb, Location tl) {
          scf::YieldOp::create(tb, tl, ValueRange{scores, indices});
        });
    return {kept.getResult(0), kept.getResult(1)};
  }

  /// Whether lo <= j < hi.
  Value within(OpBuilder &b, Value j, Value lo, Value hi) const {
    return arith::AndIOp::create(
        b, loc, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, j, lo),
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, j, hi));
  }

  /// The select pass over j in [0, trips): `visit` updates the count of
  /// valid keys and says whether j is a candidate; a candidate's `rank` is
  /// offered to the buffers. Returns the count and the buffers.
  std::tuple<Value, Value, Value> selectLoop(
      OpBuilder &b, int64_t trips, Value count0, Value scoresBuf,
      Value indicesBuf,
      function_ref<std::pair<Value, Value>(OpBuilder &, Value, Value)> visit,
      function_ref<Value(OpBuilder &, Value)> rank) const {
    auto select = scf::ForOp::create(
        b, loc, idx(b, 0), idx(b, trips), idx(b, 1),
        ValueRange{count0, scoresBuf, indicesBuf},
        [&](OpBuilder &nb, Location l, Value j, ValueRange a) {
          auto [count, candidate] = visit(nb, j, a[0]);
          auto scored = scf::IfOp::create(
              nb, l, candidate,
              [&](OpBuilder &ib, Location il) {
                auto [s2, i2] = offer(ib, a[1], a[2], rank(ib, j), j);
                scf::YieldOp::create(ib, il, ValueRange{s2, i2});
              },
              [&](OpBuilder &ib, Location il) {
                scf::YieldOp::create(ib, il, ValueRange{a[1], a[2]});
              });
          scf::YieldOp::create(
              nb, l,
              ValueRange{count, scored.getResult(0), scored.getResult(1)});
        });
    return {select.getResult(0), select.getResult(1), select.getResult(2)};
  }

  /// Token selection: the number of valid visible keys and the buffers
  /// holding the top_k best candidate keys.
  std::tuple<Value, Value, Value> selectKeys(OpBuilder &b, const Row &row,
                                             Value visible, Value sinkEnd,
                                             Value windowStart, Value scoresBuf,
                                             Value indicesBuf) const {
    return selectLoop(
        b, keys, mask ? idx(b, 0) : visible, scoresBuf, indicesBuf,
        [&](OpBuilder &nb, Value j, Value count) -> std::pair<Value, Value> {
          Value candidate = within(nb, j, sinkEnd, windowStart);
          if (!mask)
            return {count, candidate};
          Value seen = arith::AndIOp::create(
              nb, loc, anyHeadSees(nb, row, j),
              arith::CmpIOp::create(nb, loc, arith::CmpIPredicate::slt, j,
                                    visible));
          count = arith::AddIOp::create(
              nb, loc, count,
              arith::SelectOp::create(nb, loc, seen, idx(nb, 1), idx(nb, 0)));
          return {count, arith::AndIOp::create(nb, loc, candidate, seen)};
        },
        [&](OpBuilder &ib, Value j) {
          Value k = readCacheRow(ib, row, key, keyParts, j, depth);
          SmallVector<Value> s = scores(ib, row, k, j);
          Value rank = s[0];
          for (Value x : ArrayRef(s).drop_front())
            rank = arith::MaximumFOp::create(ib, loc, rank, x);
          return rank;
        });
  }

  /// Page selection: the number of valid visible keys and the buffers
  /// holding the best candidate pages, [sinkEnd, windowStart) being whole
  /// pages. A page's rank per head is the upper bound of its scores from
  /// the key bounds plus the page's largest mask value for the head (-inf
  /// when the head sees none of its keys); the page's rank is the best
  /// over the group.
  std::tuple<Value, Value, Value>
  selectPages(OpBuilder &b, const Row &row, Value visible, Value sinkEnd,
              Value windowStart, Value scoresBuf, Value indicesBuf) const {
    Value page = idx(b, pageSize);
    Value firstPage = arith::DivUIOp::create(
        b, loc, arith::AddIOp::create(b, loc, sinkEnd, idx(b, pageSize - 1)),
        page);
    Value endPage = arith::DivUIOp::create(b, loc, windowStart, page);
    Value zero = floatConst(b, loc, computeType, 0.0);
    SmallVector<Value> bias; // per head, of the page being visited
    return selectLoop(
        b, pages, mask ? idx(b, 0) : visible, scoresBuf, indicesBuf,
        [&](OpBuilder &nb, Value p, Value count) -> std::pair<Value, Value> {
          Value candidate = within(nb, p, firstPage, endPage);
          bias.assign(group, zero);
          if (!mask)
            return {count, candidate};
          // The page's keys: count those some head sees, and take each
          // head's largest mask value.
          Value first = arith::MulIOp::create(nb, loc, p, page);
          SmallVector<Value> inits = {count};
          inits.append(group, row.neg);
          auto perKey = scf::ForOp::create(
              nb, loc, first, arith::AddIOp::create(nb, loc, first, page),
              idx(nb, 1), inits,
              [&](OpBuilder &kb, Location kl, Value j, ValueRange ka) {
                Value seenKey = arith::CmpIOp::create(
                    kb, kl, arith::CmpIPredicate::slt, j, visible);
                Value any =
                    arith::ConstantOp::create(kb, kl, kb.getBoolAttr(false));
                std::pair<Value, Value> shared;
                if (!maskVariesByHead)
                  shared = maskAt(kb, row, 0, j);
                SmallVector<Value> next = {Value()};
                for (int64_t h = 0; h < group; ++h) {
                  auto [allowed, add] =
                      maskVariesByHead ? maskAt(kb, row, h, j) : shared;
                  allowed = arith::AndIOp::create(kb, kl, allowed, seenKey);
                  any = arith::OrIOp::create(kb, kl, any, allowed);
                  next.push_back(arith::MaximumFOp::create(
                      kb, kl, ka[1 + h],
                      arith::SelectOp::create(kb, kl, allowed, add, row.neg)));
                }
                next[0] = arith::AddIOp::create(
                    kb, kl, ka[0],
                    arith::SelectOp::create(kb, kl, any, idx(kb, 1),
                                            idx(kb, 0)));
                scf::YieldOp::create(kb, kl, next);
              });
          for (int64_t h = 0; h < group; ++h)
            bias[h] = perKey.getResult(1 + h);
          return {perKey.getResult(0), candidate};
        },
        [&](OpBuilder &ib, Value p) {
          Value lo = readBoundRow(ib, row, pageMin, pageMinParts, p);
          Value hi = readBoundRow(ib, row, pageMax, pageMaxParts, p);
          Value rank = row.neg;
          for (int64_t h = 0; h < group; ++h) {
            Value q = row.heads[h];
            Value bound = arith::MaximumFOp::create(
                ib, loc, arith::MulFOp::create(ib, loc, q, lo),
                arith::MulFOp::create(ib, loc, q, hi));
            Value sum = vector::ReductionOp::create(
                ib, loc, vector::CombiningKind::ADD, bound,
                arith::FastMathFlags::reassoc);
            rank = arith::MaximumFOp::create(
                ib, loc, rank, arith::AddFOp::create(ib, loc, sum, bias[h]));
          }
          return rank;
        });
  }

  /// The whole row (b, g, i): returns the output, scores and indices
  /// buffers after it.
  SmallVector<Value> buildRow(OpBuilder &b, Value bi, Value gi, Value ii,
                              Value out, Value scoresBuf,
                              Value indicesBuf) const {
    Row row{bi, gi, ii, {}, lowestValue(b, loc, computeType, false)};
    auto qType = VectorType::get({depth}, computeType);
    Value scaleVec = vector::BroadcastOp::create(
        b, loc, qType, floatConst(b, loc, computeType, scale));
    for (int64_t h = 0; h < group; ++h) {
      Value head = arith::AddIOp::create(
          b, loc, arith::MulIOp::create(b, loc, gi, idx(b, group)), idx(b, h));
      row.heads.push_back(arith::MulFOp::create(
          b, loc, readRow(b, query, {bi, head, ii}, depth), scaleVec));
    }

    // The keys this query sees: [0, visible).
    Value visible = idx(b, keys);
    if (causal) {
      // query i sees keys j <= i + Sk - Sq
      Value limit =
          arith::AddIOp::create(b, loc, ii, idx(b, keys - queries + 1));
      visible = arith::MinSIOp::create(
          b, loc, arith::MaxSIOp::create(b, loc, limit, idx(b, 0)),
          idx(b, keys));
    }
    // The sinks are [0, sinkEnd), the window [windowStart, visible).
    Value sinkEnd, windowStart;
    Value recent = arith::SubIOp::create(b, loc, visible, idx(b, window));
    if (pageSize) {
      // Whole pages: those holding a sink or a window key, and a last page
      // the query sees only in part, so that every candidate page is whole.
      int64_t sinkKeys = (sink + pageSize - 1) / pageSize * pageSize;
      sinkEnd = arith::MinSIOp::create(b, loc, idx(b, sinkKeys), visible);
      Value start = arith::MaxSIOp::create(b, loc, recent, idx(b, 0));
      start = arith::MulIOp::create(
          b, loc, arith::DivUIOp::create(b, loc, start, idx(b, pageSize)),
          idx(b, pageSize));
      windowStart = arith::MaxSIOp::create(b, loc, sinkEnd, start);
    } else {
      sinkEnd = arith::MinSIOp::create(b, loc, idx(b, sink), visible);
      windowStart = arith::MaxSIOp::create(b, loc, sinkEnd, recent);
    }

    // Refill the buffer: every score -inf (never filled).
    auto reset = scf::ForOp::create(
        b, loc, idx(b, 0), idx(b, bufferSize), idx(b, 1), ValueRange{scoresBuf},
        [&](OpBuilder &nb, Location l, Value t, ValueRange a) {
          scf::YieldOp::create(
              nb, l,
              ValueRange{tensor::InsertOp::create(nb, l, row.neg, a[0], t)});
        });
    scoresBuf = reset.getResult(0);

    // 1. select, over all keys (or pages): a constant trip count lets the
    // runtime's work estimate see the loop (keys outside [sinkEnd,
    // windowStart) cost a compare). Without a mask every visible key is
    // valid; with one, the visible keys some head sees are counted.
    Value count;
    if (pageSize)
      std::tie(count, scoresBuf, indicesBuf) = selectPages(
          b, row, visible, sinkEnd, windowStart, scoresBuf, indicesBuf);
    else
      std::tie(count, scoresBuf, indicesBuf) = selectKeys(
          b, row, visible, sinkEnd, windowStart, scoresBuf, indicesBuf);

    // 2. attend: a row with no more valid keys than the budget keeps them
    // all (sinks [0, visible), no window, no buffer).
    Value dense = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sle,
                                        count, idx(b, budget));
    Value headEnd = arith::SelectOp::create(b, loc, dense, visible, sinkEnd);
    Value tailStart =
        arith::SelectOp::create(b, loc, dense, visible, windowStart);
    Value bufferEnd =
        arith::SelectOp::create(b, loc, dense, idx(b, 0), idx(b, bufferSize));
    Value zero = floatConst(b, loc, computeType, 0.0);
    auto accType = VectorType::get({valueDepth}, computeType);
    Value zeroAcc = vector::BroadcastOp::create(b, loc, accType, zero);
    SmallVector<HeadState> state(group, HeadState{row.neg, zero, zeroAcc});
    state = attendRange(b, row, state, idx(b, 0), headEnd);
    state = attendRange(b, row, state, tailStart, visible);
    state =
        attendRange(b, row, state, idx(b, 0), bufferEnd, scoresBuf, indicesBuf);

    // out = acc / sum; a row that saw no key gives zeros.
    for (int64_t h = 0; h < group; ++h) {
      Value empty = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ,
                                          state[h].sum, zero);
      Value sum = arith::SelectOp::create(
          b, loc, empty, floatConst(b, loc, computeType, 1.0), state[h].sum);
      Value result = arith::DivFOp::create(
          b, loc, state[h].acc,
          vector::BroadcastOp::create(b, loc, accType, sum));
      if (computeType != elementType)
        result = arith::TruncFOp::create(
            b, loc, VectorType::get({valueDepth}, elementType), result);
      // `out` is this key/value head's slice: [1, G, Sq, Dv].
      out = vector::TransferWriteOp::create(
                b, loc, result, out,
                ValueRange{idx(b, 0), idx(b, h), ii, idx(b, 0)},
                ArrayRef<bool>{true})
                .getResult();
    }
    return {out, scoresBuf, indicesBuf};
  }

  /// One parallel iteration per (batch, key/value head), each writing its
  /// slice of the output and using its own slice of the buffers; the
  /// queries of one key/value head run in order inside it.
  Value build(OpBuilder &b, RankedTensorType resultType) const {
    Value out = emptyTensor(b, loc, resultType.getShape(), elementType);
    Value scoresBuf =
        emptyTensor(b, loc, {batch, kvHeads, bufferSize}, computeType);
    // Key indices as i32 (the memory plan sizes elements; index has no size
    // before lowering).
    Value indicesBuf =
        emptyTensor(b, loc, {batch, kvHeads, bufferSize}, b.getI32Type());
    OpFoldResult one = b.getIndexAttr(1), zero = b.getIndexAttr(0);
    auto forall = scf::ForallOp::create(
        b, loc,
        ArrayRef<OpFoldResult>{b.getIndexAttr(batch), b.getIndexAttr(kvHeads)},
        ValueRange{out, scoresBuf, indicesBuf}, std::nullopt);
    Block *body = forall.getBody();
    Value bi = body->getArgument(0), gi = body->getArgument(1);
    Value sharedOut = body->getArgument(2), sharedScores = body->getArgument(3),
          sharedIndices = body->getArgument(4);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(forall.getTerminator());
    Value firstHead = arith::MulIOp::create(b, loc, gi, idx(b, group));
    SmallVector<OpFoldResult> outOffsets = {bi, firstHead, zero, zero};
    SmallVector<OpFoldResult> outSizes = {one, b.getIndexAttr(group),
                                          b.getIndexAttr(queries),
                                          b.getIndexAttr(valueDepth)};
    SmallVector<OpFoldResult> outStrides(4, one);
    SmallVector<OpFoldResult> bufOffsets = {bi, gi, zero};
    SmallVector<OpFoldResult> bufSizes = {one, one, b.getIndexAttr(bufferSize)};
    SmallVector<OpFoldResult> bufStrides(3, one);
    auto outSliceType =
        RankedTensorType::get({1, group, queries, valueDepth}, elementType);
    Value outSlice = tensor::ExtractSliceOp::create(
        b, loc, outSliceType, sharedOut, outOffsets, outSizes, outStrides);
    auto sliceOf = [&](Value shared, Type element) -> Value {
      return tensor::ExtractSliceOp::create(
          b, loc, RankedTensorType::get({bufferSize}, element), shared,
          bufOffsets, bufSizes, bufStrides);
    };
    Value scoresSlice = sliceOf(sharedScores, computeType);
    Value indicesSlice = sliceOf(sharedIndices, b.getI32Type());
    auto rows = scf::ForOp::create(
        b, loc, idx(b, 0), idx(b, queries), idx(b, 1),
        ValueRange{outSlice, scoresSlice, indicesSlice},
        [&](OpBuilder &nb, Location l, Value ii, ValueRange a) {
          scf::YieldOp::create(nb, l,
                               buildRow(nb, bi, gi, ii, a[0], a[1], a[2]));
        });
    b.setInsertionPointToStart(forall.getTerminator().getBody());
    tensor::ParallelInsertSliceOp::create(b, loc, rows.getResult(0), sharedOut,
                                          outOffsets, outSizes, outStrides);
    tensor::ParallelInsertSliceOp::create(b, loc, rows.getResult(1),
                                          sharedScores, bufOffsets, bufSizes,
                                          bufStrides);
    tensor::ParallelInsertSliceOp::create(b, loc, rows.getResult(2),
                                          sharedIndices, bufOffsets, bufSizes,
                                          bufStrides);
    return forall.getResult(0);
  }
};

struct TopKAttentionLowering : OpConversionPattern<TopKAttentionOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(TopKAttentionOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    TopKAttentionBuilder builder(op, adaptor.getQuery(), adaptor.getKey(),
                                 adaptor.getValue(), adaptor.getMask(),
                                 adaptor.getPageMin(), adaptor.getPageMax());
    // Keys and values its region makes from a cache's parts, found the same
    // way: read from the parts (the copies inside the region go unread).
    AttentionCacheSource k = traceAttentionCache(op.getKey());
    AttentionCacheSource v = traceAttentionCache(op.getValue());
    if (readsCacheParts(k, v) && !k.heads && !v.heads) {
      builder.keyParts = k;
      builder.valueParts = v;
    }
    if (op.getPageMin() && op.getPageMax()) {
      builder.pageMinParts = tracePageBoundsParts(op.getPageMin());
      builder.pageMaxParts = tracePageBoundsParts(op.getPageMax());
    }
    rewriter.replaceOp(op,
                       builder.build(rewriter, signlessTensor(op.getType())));
    return success();
  }
};
} // namespace

void lowering::populateTopKAttentionPatterns(TypeConverter &converter,
                                             RewritePatternSet &patterns) {
  patterns.add<TopKAttentionLowering>(converter, patterns.getContext());
}
