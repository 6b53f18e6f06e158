//===- BatchLanes.cpp - --autoglm-cpu-batch-lanes -------------------------===//
//
// A loop over a batch's images (--autoglm-cpu-batch-loop) built for several
// threads deals its images to lanes, a thread each (`autoglm.batch_lanes`
// = L, set where L divides the batch), and --autoglm-plan-memory gave each
// buffer of its body one copy per lane (image n uses copy n mod L). This
// pass makes the lanes run at once:
//
//   scf.parallel (%lane) = (0) to (L) step (1) {
//     scf.for %n = %lane to %batch step %L { body }
//   }
//
// --autoglm-parallel-loops-to-runtime then runs the lanes on the runtime's
// threads, and each kernel of the body on its lane's thread alone: the
// kernels' own parallel loops are nested now, and run in order. Without
// lanes, every kernel of the body split one image between the threads, a
// fork and a join per kernel and image.
//
// The loop's carried buffers are the whole batch's, of which each iteration
// writes its image in place (--autoglm-cpu-batch-loop-in-place): the body
// yields them unchanged, so the lanes use them as they were before the
// loop. A loop whose body yields anything else stays as it is (its lanes'
// copies are still right one iteration at a time).
//
//===----------------------------------------------------------------------===//

#include "autoglm/Dialect/AutoGLM.h"
#include "autoglm/Target/CPU/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Matchers.h"

namespace mlir::autoglm {
#define GEN_PASS_DEF_AUTOGLMCPUBATCHLANES
#include "autoglm/Target/CPU/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;
using namespace mlir::autoglm;

namespace {
/// Whether `loop` counts its images from 0 one by one and its body yields
/// its carried values unchanged.
bool runsInLanes(scf::ForOp loop) {
  auto yield = cast<scf::YieldOp>(loop.getBody()->getTerminator());
  return matchPattern(loop.getLowerBound(), m_Zero()) &&
         matchPattern(loop.getStep(), m_One()) &&
         llvm::equal(yield.getOperands(), loop.getRegionIterArgs());
}

void runLanes(scf::ForOp loop, int64_t lanes) {
  Location loc = loop.getLoc();
  OpBuilder b(loop);
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Value count = arith::ConstantIndexOp::create(b, loc, lanes);
  auto parallel = scf::ParallelOp::create(b, loc, ValueRange{zero},
                                          ValueRange{count}, ValueRange{one});
  b.setInsertionPointToStart(parallel.getBody());
  auto images = scf::ForOp::create(b, loc, parallel.getInductionVars()[0],
                                   loop.getUpperBound(), count, ValueRange{});
  Block *body = images.getBody();
  Block *old = loop.getBody();
  old->getTerminator()->erase();
  body->getOperations().splice(body->begin(), old->getOperations());
  loop.getInductionVar().replaceAllUsesWith(images.getInductionVar());
  for (auto [carried, init] :
       llvm::zip(loop.getRegionIterArgs(), loop.getInitArgs()))
    carried.replaceAllUsesWith(init);
  loop->replaceAllUsesWith(loop.getInitArgs());
  loop->erase();
}

struct BatchLanesPass
    : autoglm::impl::AutoGLMCPUBatchLanesBase<BatchLanesPass> {
  void runOnOperation() override {
    auto helper = AutoGLMDialect::BatchLanesAttrHelper(&getContext());
    SmallVector<std::pair<scf::ForOp, int64_t>> loops;
    getOperation().walk([&](scf::ForOp loop) {
      if (IntegerAttr lanes = helper.getAttr(loop))
        if (lanes.getInt() > 1 && runsInLanes(loop))
          loops.push_back({loop, lanes.getInt()});
    });
    for (auto [loop, lanes] : loops)
      runLanes(loop, lanes);
  }
};
} // namespace
