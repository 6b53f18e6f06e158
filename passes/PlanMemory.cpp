//===- PlanMemory.cpp - every intermediate at an offset of one arena ------===//
//
// After bufferization, each intermediate tensor is a `memref.alloc` in
// `@main`. This pass computes when each buffer is live (from its first to
// its last use, through views), lets an elementwise op write its result
// over an input that dies there, and places every buffer at an offset of
// one arena with the greedy planner of ArenaPlanner.cpp. The allocations
// become views of a new trailing `memref<N x i8>` argument of `@main`: the
// workspace the runtime allocates once per session (or the caller
// provides), so a run allocates nothing.
//
// A batch loop whose images are dealt to lanes (`autoglm.batch_lanes`, one
// thread each: --autoglm-cpu-batch-lanes) runs several iterations at once:
// the body's buffers are then placed in an arena of the body's own, of
// which each lane takes a copy (the iteration of image n copy n mod lanes),
// the copies one buffer of the main arena through the loop.
//
//===----------------------------------------------------------------------===//

#include "BufferUsers.h"

#include "autoglm/Passes/ArenaPlanner.h"
#include "autoglm/Passes/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "llvm/ADT/EquivalenceClasses.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

namespace mlir::autoglm {
#define GEN_PASS_DEF_PLANMEMORY
#include "autoglm/Passes/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;
using namespace mlir::autoglm;

namespace {
constexpr uint64_t kAlignment = 64;

/// One `memref.alloc` of `@main` and what the plan knows about it.
struct Buffer {
  explicit Buffer(memref::AllocOp alloc)
      : alloc(alloc), type(alloc.getType()), loc(alloc.getLoc()) {}
  memref::AllocOp alloc;
  MemRefType type;
  Location loc;
  uint64_t bytes = 0;
  /// Copies of a lane loop's body buffer, one a lane (bytes counts them
  /// all, each kAlignment-aligned), and the loop.
  int64_t lanes = 1;
  scf::ForOp laneLoop;
  int64_t first = 0, last = 0;
  /// Index of the buffer whose memory this one reuses in place, or itself.
  size_t leader = 0;
  std::string node;
};

/// `text` with the characters XML reserves escaped (ONNX names are free-form).
std::string escapeXML(StringRef text) {
  std::string out;
  for (char c : text) {
    switch (c) {
    case '<':
      out += "&lt;";
      break;
    case '>':
      out += "&gt;";
      break;
    case '&':
      out += "&amp;";
      break;
    case '"':
      out += "&quot;";
      break;
    default:
      out += c;
    }
  }
  return out;
}

std::string describeType(MemRefType type) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << type.getElementType() << " [";
  llvm::interleave(type.getShape(), os, ",");
  os << "]";
  return text;
}

/// Bytes of a statically shaped buffer as the LLVM lowering lays it out
/// (i1 takes a byte), or nullopt for a type the plan leaves alone.
std::optional<uint64_t> bufferBytes(MemRefType type) {
  if (!type.hasStaticShape() || !type.getLayout().isIdentity() ||
      !type.getElementType().isIntOrFloat())
    return std::nullopt;
  uint64_t elementBytes =
      std::max<uint64_t>(1, type.getElementTypeBitWidth() / 8);
  return type.getNumElements() * elementBytes;
}

/// The alloc a value is a view of, following only reshapes that keep every
/// element (collapse/expand_shape), with `whole` telling whether the value
/// covers the entire buffer in the buffer's element order.
memref::AllocOp rootAlloc(Value value, bool &whole) {
  whole = true;
  while (true) {
    Operation *def = value.getDefiningOp();
    if (!def)
      return nullptr;
    if (auto alloc = dyn_cast<memref::AllocOp>(def))
      return alloc;
    if (isa<memref::CollapseShapeOp, memref::ExpandShapeOp>(def)) {
      value = def->getOperand(0);
      continue;
    }
    if (auto view = dyn_cast<ViewLikeOpInterface>(def)) {
      whole = false;
      value = view.getViewSource();
      continue;
    }
    return nullptr;
  }
}

/// Where each group of buffers sharing memory goes: its offset in the arena
/// (lane 0's copy, for a lane loop's body) and how far apart a lane loop's
/// copies of it lie (0 for any other group).
struct GroupPlan : ArenaPlan {
  std::vector<uint64_t> laneStrides;
};

/// The program steps of the ops the plan orders.
struct Steps {
  SmallVector<Operation *> order;
  DenseMap<Operation *, int64_t> step;
  /// A batch loop's last step (its body's last op's).
  DenseMap<Operation *, int64_t> spanEnd;

  void add(Operation *op) {
    step[op] = static_cast<int64_t>(order.size());
    order.push_back(op);
  }
};

struct PlanMemoryPass : public autoglm::impl::PlanMemoryBase<PlanMemoryPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto main = module.lookupSymbol<func::FuncOp>("main");
    if (!main || main.isExternal() || !main.getBody().hasOneBlock())
      return;
    Block &body = main.getBody().front();

    // One step per op of @main, and per op of the body of a loop over a
    // batch's images (--autoglm-cpu-batch-loop), which spans them: a buffer
    // of that body lives within an iteration, one that the body uses from
    // outside through every iteration.
    Steps steps;
    for (Operation &op : body) {
      steps.add(&op);
      auto loop = dyn_cast<scf::ForOp>(op);
      if (!loop || !AutoGLMDialect::BatchLoopAttrHelper(loop->getContext())
                        .isAttrPresent(loop))
        continue;
      for (Operation &inner : *loop.getBody())
        steps.add(&inner);
      steps.spanEnd[loop] = steps.order.size() - 1;
    }

    SmallVector<Buffer> buffers;
    DenseMap<Operation *, size_t> indexOf;
    for (Operation *op : steps.order) {
      auto alloc = dyn_cast<memref::AllocOp>(op);
      if (!alloc)
        continue;
      std::optional<uint64_t> bytes = bufferBytes(alloc.getType());
      if (!bytes)
        continue;
      Buffer buffer(alloc);
      buffer.bytes = *bytes;
      auto loop = dyn_cast<scf::ForOp>(alloc->getParentOp());
      if (IntegerAttr lanes =
              loop ? AutoGLMDialect::BatchLanesAttrHelper(loop->getContext())
                         .getAttr(loop)
                   : IntegerAttr()) {
        buffer.lanes = lanes.getInt();
        buffer.laneLoop = loop;
        buffer.bytes = llvm::alignTo(*bytes, kAlignment) * buffer.lanes;
      }
      buffer.node = getNodeName(alloc.getLoc()).str();
      if (!computeLifetime(buffer, steps))
        continue;
      buffer.leader = buffers.size();
      indexOf[alloc] = buffers.size();
      buffers.push_back(std::move(buffer));
    }
    if (buffers.empty())
      return;

    unsigned inPlace = reuseInPlace(buffers, indexOf, steps);

    // One lifetime per group of buffers sharing memory.
    std::vector<BufferLifetime> groups, separate;
    DenseMap<size_t, size_t> groupOf;
    for (auto [index, buffer] : llvm::enumerate(buffers)) {
      separate.push_back({buffer.bytes, buffer.first, buffer.last});
      size_t leader = findLeader(buffers, index);
      auto [it, inserted] = groupOf.try_emplace(leader, groups.size());
      if (inserted)
        groups.push_back({buffer.bytes, buffer.first, buffer.last});
      BufferLifetime &group = groups[it->second];
      group.bytes = std::max(group.bytes, buffer.bytes);
      group.first = std::min(group.first, buffer.first);
      group.last = std::max(group.last, buffer.last);
    }
    GroupPlan plan = planGroups(buffers, groupOf, groups, steps);
    // Buffers of zero elements still need an address; the entry passes a
    // workspace only when it has bytes.
    plan.arenaBytes = std::max(plan.arenaBytes, kAlignment);
    uint64_t lowerBound = arenaLowerBound(groups, kAlignment);
    uint64_t naive = 0;
    for (const BufferLifetime &buffer : separate)
      naive += buffer.bytes;

    if (!report.empty() &&
        failed(writeReport(buffers, groupOf, plan, naive, lowerBound, inPlace)))
      return signalPassFailure();
    if (!timeline.empty() && failed(writeTimeline(buffers, groupOf, plan)))
      return signalPassFailure();
    if (maxArenaBytes > 0 &&
        plan.arenaBytes > static_cast<uint64_t>(maxArenaBytes)) {
      InFlightDiagnostic diag = module.emitError()
                                << "the planned memory arena of "
                                << plan.arenaBytes
                                << " bytes exceeds the budget of "
                                << maxArenaBytes.getValue() << " bytes";
      for (size_t index : largest(buffers, 3))
        diag.attachNote() << buffers[index].bytes << " bytes for node '"
                          << buffers[index].node << "' ("
                          << describeType(buffers[index].type) << ")";
      return signalPassFailure();
    }

    rewrite(main, buffers, groupOf, plan);
    MLIRContext *ctx = module.getContext();
    AutoGLMDialect::WorkspaceAttrHelper(ctx).setAttr(
        module, WorkspaceAttr::get(ctx, plan.arenaBytes));
  }

private:
  /// `groups` placed in one arena. The groups of a lane loop's body (their
  /// buffers' laneLoop) are placed first in an arena of their own, the
  /// body's, of R bytes: one lane's copy, of which lane l's is R bytes
  /// after lane l - 1's (its groups' laneStrides: R), because the lanes run
  /// different steps of the body at once. The copies together are then one
  /// buffer of lanes x R bytes of the main arena that lives through the
  /// loop.
  static GroupPlan planGroups(ArrayRef<Buffer> buffers,
                              const DenseMap<size_t, size_t> &groupOf,
                              const std::vector<BufferLifetime> &groups,
                              const Steps &steps) {
    // Each group's lane loop, if any, and its lanes.
    SmallVector<Operation *> loopOf(groups.size(), nullptr);
    SmallVector<int64_t> lanesOf(groups.size(), 1);
    for (auto [i, buffer] : llvm::enumerate(buffers)) {
      size_t group = groupOf.lookup(findLeader(buffers, i));
      if (buffer.lanes > 1) {
        loopOf[group] = buffer.laneLoop;
        lanesOf[group] = buffer.lanes;
      }
    }
    std::vector<BufferLifetime> outer;
    SmallVector<size_t> outerIndex(groups.size(), 0);
    llvm::MapVector<Operation *, SmallVector<size_t>> bodies;
    for (size_t group = 0; group < groups.size(); ++group) {
      if (loopOf[group]) {
        bodies[loopOf[group]].push_back(group);
        continue;
      }
      outerIndex[group] = outer.size();
      outer.push_back(groups[group]);
    }
    struct Body {
      ArenaPlan plan;
      uint64_t stride;
      size_t copies; // the lanes' copies in `outer`
      SmallVector<size_t> groups;
    };
    SmallVector<Body> planned;
    for (auto &[loop, members] : bodies) {
      int64_t lanes = lanesOf[members.front()];
      std::vector<BufferLifetime> own;
      for (size_t group : members) {
        BufferLifetime lane = groups[group];
        lane.bytes /= lanes;
        own.push_back(lane);
      }
      Body body{planArena(own, kAlignment), 0, outer.size(), members};
      body.stride = llvm::alignTo(body.plan.arenaBytes, kAlignment);
      outer.push_back({body.stride * lanes, steps.step.lookup(loop),
                       steps.spanEnd.lookup(loop)});
      planned.push_back(std::move(body));
    }
    ArenaPlan main = planArena(outer, kAlignment);
    GroupPlan plan;
    plan.arenaBytes = main.arenaBytes;
    plan.offsets.resize(groups.size());
    plan.laneStrides.resize(groups.size(), 0);
    for (size_t group = 0; group < groups.size(); ++group)
      if (!loopOf[group])
        plan.offsets[group] = main.offsets[outerIndex[group]];
    for (const Body &body : planned)
      for (auto [index, group] : llvm::enumerate(body.groups)) {
        plan.offsets[group] =
            main.offsets[body.copies] + body.plan.offsets[index];
        plan.laneStrides[group] = body.stride;
      }
    return plan;
  }

  /// The steps of the first and last ops of the alloc's block that touch
  /// the buffer or a view of it (a batch loop: the steps it spans); false
  /// when a view escapes the function or its loop iteration.
  static bool computeLifetime(Buffer &buffer, const Steps &steps) {
    Block &block = *buffer.alloc->getBlock();
    buffer.first = buffer.last = steps.step.lookup(buffer.alloc);
    bool used = false;
    for (Operation *user : usersThroughViews(buffer.alloc.getResult())) {
      // Returned, passed to a call, or yielded by the loop body it was
      // allocated in (to the next iteration or out of the loop).
      if (isa<func::ReturnOp, func::CallOp>(user) ||
          (isa<scf::YieldOp>(user) && user->getBlock() == &block))
        return false;
      Operation *top = block.findAncestorOpInBlock(*user);
      if (!top)
        return false;
      int64_t first = steps.step.lookup(top);
      int64_t last = steps.spanEnd.lookup_or(top, first);
      buffer.first = used ? std::min(buffer.first, first) : first;
      buffer.last = used ? std::max(buffer.last, last) : last;
      used = true;
    }
    return true;
  }

  static size_t findLeader(ArrayRef<Buffer> buffers, size_t index) {
    while (buffers[index].leader != index)
      index = buffers[index].leader;
    return index;
  }

  /// Lets an elementwise linalg op write its output over an input buffer
  /// whose group dies at that op: both accessed whole with identity maps,
  /// of the same size, the output buffer first touched there, and the input
  /// buffer read by no other operand of the op. Every element is then read
  /// before (or as) it is overwritten, in any iteration order.
  static unsigned reuseInPlace(MutableArrayRef<Buffer> buffers,
                               const DenseMap<Operation *, size_t> &indexOf,
                               const Steps &steps) {
    // The group interval of each leader, updated as groups merge.
    unsigned count = 0;
    auto groupLast = [&](size_t leader) {
      int64_t last = buffers[leader].last;
      for (auto [index, buffer] : llvm::enumerate(buffers))
        if (findLeader(buffers, index) == leader)
          last = std::max(last, buffer.last);
      return last;
    };
    for (Operation *op : steps.order) {
      auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
      if (!linalgOp || !linalgOp.hasPureBufferSemantics() ||
          linalgOp.getNumLoops() != linalgOp.getNumParallelLoops() ||
          linalgOp.getNumDpsInits() != 1 ||
          !isa<linalg::GenericOp, linalg::MapOp>(op))
        continue;
      int64_t step = steps.step.lookup(op);
      OpOperand *init = linalgOp.getDpsInitOperand(0);
      bool wholeOut;
      memref::AllocOp outAlloc = rootAlloc(init->get(), wholeOut);
      if (!outAlloc || !wholeOut || !indexOf.count(outAlloc) ||
          !linalgOp.getMatchingIndexingMap(init).isIdentity())
        continue;
      size_t out = indexOf.lookup(outAlloc);
      if (buffers[out].first != step || buffers[out].leader != out)
        continue;
      for (OpOperand *input : linalgOp.getDpsInputOperands()) {
        bool wholeIn;
        memref::AllocOp inAlloc = rootAlloc(input->get(), wholeIn);
        if (!inAlloc || !wholeIn || !indexOf.count(inAlloc) ||
            !linalgOp.getMatchingIndexingMap(input).isIdentity())
          continue;
        size_t in = indexOf.lookup(inAlloc);
        size_t leader = findLeader(buffers, in);
        bool readElsewhere =
            llvm::any_of(op->getOpOperands(), [&](OpOperand &other) {
              bool whole;
              return &other != input &&
                     rootAlloc(other.get(), whole) == inAlloc;
            });
        if (readElsewhere || buffers[in].bytes != buffers[out].bytes ||
            groupLast(leader) != step)
          continue;
        buffers[out].leader = leader;
        ++count;
        break;
      }
    }
    return count;
  }

  static SmallVector<size_t> largest(ArrayRef<Buffer> buffers, size_t count) {
    SmallVector<size_t> order;
    for (size_t i = 0; i < buffers.size(); ++i)
      order.push_back(i);
    llvm::sort(order, [&](size_t a, size_t b) {
      return buffers[a].bytes != buffers[b].bytes
                 ? buffers[a].bytes > buffers[b].bytes
                 : a < b;
    });
    order.truncate(std::min(count, order.size()));
    return order;
  }

  static void rewrite(func::FuncOp main, MutableArrayRef<Buffer> buffers,
                      const DenseMap<size_t, size_t> &groupOf,
                      const GroupPlan &plan) {
    MLIRContext *context = main.getContext();
    auto arenaType = MemRefType::get({static_cast<int64_t>(plan.arenaBytes)},
                                     IntegerType::get(context, 8));
    unsigned index = main.getNumArguments();
    (void)main.insertArgument(index, arenaType, {}, main.getLoc());
    Value arena = main.getArgument(index);
    // One index constant per distinct offset, at the top of the function.
    // (The builder is re-pointed each time: the first op may be an alloc
    // that is erased below.)
    DenseMap<uint64_t, Value> offsetValues;
    OpBuilder entry(main.getContext());
    for (auto [i, buffer] : llvm::enumerate(buffers)) {
      size_t group = groupOf.lookup(findLeader(buffers, i));
      uint64_t offset = plan.offsets[group];
      Value &offsetValue = offsetValues[offset];
      entry.setInsertionPointToStart(&main.getBody().front());
      if (!offsetValue)
        offsetValue =
            arith::ConstantIndexOp::create(entry, main.getLoc(), offset);
      OpBuilder b(buffer.alloc);
      Location loc = buffer.loc;
      Value shift = offsetValue;
      if (buffer.lanes > 1) {
        // Image n's copy: n mod lanes.
        Value lane = arith::RemUIOp::create(
            b, loc, buffer.laneLoop.getInductionVar(),
            arith::ConstantIndexOp::create(b, loc, buffer.lanes));
        Value laneOffset = arith::MulIOp::create(
            b, loc, lane,
            arith::ConstantIndexOp::create(b, loc, plan.laneStrides[group]));
        shift = arith::AddIOp::create(b, loc, offsetValue, laneOffset);
      }
      Value view = memref::ViewOp::create(b, loc, buffer.type, arena, shift,
                                          ValueRange{});
      buffer.alloc.getResult().replaceAllUsesWith(view);
      buffer.alloc.erase();
    }
  }

  /// An SVG picture of the plan: time (steps) to the right, arena offset
  /// down, one rectangle per buffer, titled with its node and size.
  LogicalResult writeTimeline(ArrayRef<Buffer> buffers,
                              const DenseMap<size_t, size_t> &groupOf,
                              const GroupPlan &plan) {
    constexpr double width = 1000, height = 600, margin = 40;
    int64_t lastStep = 1;
    for (const Buffer &buffer : buffers)
      lastStep = std::max(lastStep, buffer.last + 1);
    double xScale = (width - 2 * margin) / lastStep;
    double yScale =
        (height - 2 * margin) / std::max<uint64_t>(plan.arenaBytes, 1);
    std::string text;
    llvm::raw_string_ostream os(text);
    os << llvm::formatv(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" "
        "height=\"{1}\" font-family=\"sans-serif\" font-size=\"12\">\n",
        width, height);
    os << llvm::formatv(
        "<text x=\"{0}\" y=\"20\">memory arena: {1} bytes; time "
        "(program steps) to the right, offset down</text>\n",
        margin, plan.arenaBytes);
    os << llvm::formatv(
        "<rect x=\"{0}\" y=\"{0}\" width=\"{1}\" height=\"{2}\" "
        "fill=\"none\" stroke=\"black\"/>\n",
        margin, width - 2 * margin, height - 2 * margin);
    for (auto [i, buffer] : llvm::enumerate(buffers)) {
      size_t group = groupOf.lookup(findLeader(buffers, i));
      // A lane loop's body buffer: a rectangle per lane's copy.
      uint64_t bytes = buffer.bytes / buffer.lanes;
      for (int64_t lane = 0; lane < buffer.lanes; ++lane) {
        uint64_t offset = plan.offsets[group] + lane * plan.laneStrides[group];
        // Hues cycle so that neighbours differ.
        os << llvm::formatv(
            "<rect x=\"{0:f1}\" y=\"{1:f1}\" width=\"{2:f1}\" "
            "height=\"{3:f1}\" fill=\"hsl({4},60%,60%)\" stroke=\"white\" "
            "stroke-width=\"0.5\"><title>{5}: {6} bytes at offset {7}, steps "
            "{8}-{9}</title></rect>\n",
            margin + buffer.first * xScale, margin + offset * yScale,
            std::max(1.0, (buffer.last + 1 - buffer.first) * xScale),
            std::max(1.0, bytes * yScale), (i * 47) % 360,
            escapeXML(buffer.node), bytes, offset, buffer.first, buffer.last);
      }
    }
    os << "</svg>\n";
    return writeText(timeline, text, "memory timeline");
  }

  /// Writes `text` to `path` ("-": standard error).
  LogicalResult writeText(StringRef path, StringRef text, StringRef what) {
    if (path == "-") {
      llvm::errs() << text;
      return success();
    }
    std::error_code error;
    llvm::raw_fd_ostream file(path, error, llvm::sys::fs::OF_Text);
    if (error)
      return getOperation().emitError() << "cannot write the " << what << " '"
                                        << path << "': " << error.message();
    file << text;
    return success();
  }

  LogicalResult writeReport(ArrayRef<Buffer> buffers,
                            const DenseMap<size_t, size_t> &groupOf,
                            const GroupPlan &plan, uint64_t naive,
                            uint64_t lowerBound, unsigned inPlace) {
    SmallVector<size_t> top = largest(buffers, topBuffers);
    auto offsetOf = [&](size_t i) {
      return plan.offsets[groupOf.lookup(findLeader(buffers, i))];
    };
    // A lane loop's body buffer: its lanes' copies, lane 0's at the
    // offset.
    auto strideOf = [&](size_t i) {
      return plan.laneStrides[groupOf.lookup(findLeader(buffers, i))];
    };
    std::string text;
    llvm::raw_string_ostream os(text);
    if (llvm::sys::path::extension(report) == ".json") {
      llvm::json::Array largestArray;
      for (size_t i : top) {
        llvm::json::Object entry{
            {"bytes", static_cast<int64_t>(buffers[i].bytes)},
            {"offset", static_cast<int64_t>(offsetOf(i))},
            {"node", buffers[i].node},
            {"type", describeType(buffers[i].type)},
            {"first_step", buffers[i].first},
            {"last_step", buffers[i].last}};
        if (buffers[i].lanes > 1) {
          entry["lanes"] = buffers[i].lanes;
          entry["lane_stride"] = static_cast<int64_t>(strideOf(i));
        }
        largestArray.push_back(std::move(entry));
      }
      llvm::json::Object root{
          {"arena_bytes", static_cast<int64_t>(plan.arenaBytes)},
          {"naive_bytes", static_cast<int64_t>(naive)},
          {"lower_bound_bytes", static_cast<int64_t>(lowerBound)},
          {"buffers", static_cast<int64_t>(buffers.size())},
          {"in_place", static_cast<int64_t>(inPlace)},
          {"alignment", static_cast<int64_t>(kAlignment)},
          {"largest_buffers", std::move(largestArray)}};
      os << llvm::formatv("{0:2}", llvm::json::Value(std::move(root))) << "\n";
    } else {
      os << "memory plan: arena " << plan.arenaBytes << " bytes; naive "
         << naive << " bytes (one buffer per intermediate); lower bound "
         << lowerBound << " bytes (peak of live bytes); " << buffers.size()
         << " buffers, " << inPlace << " written in place\n";
      os << "largest buffers:\n";
      for (size_t i : top) {
        os << llvm::formatv("  {0,12} bytes at offset {1,12}  node '{2}'  {3}  "
                            "live at steps {4}-{5}",
                            buffers[i].bytes, offsetOf(i), buffers[i].node,
                            describeType(buffers[i].type), buffers[i].first,
                            buffers[i].last);
        if (buffers[i].lanes > 1)
          os << llvm::formatv("  ({0} lanes' copies of {1} bytes, {2} apart)",
                              buffers[i].lanes,
                              buffers[i].bytes / buffers[i].lanes, strideOf(i));
        os << "\n";
      }
    }
    return writeText(report, text, "memory report");
  }
};
} // namespace
