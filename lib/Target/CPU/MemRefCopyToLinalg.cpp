//===- MemRefCopyToLinalg.cpp - --autoglm-memref-copy-to-linalg -----------===//
//
// memref.copy as linalg.copy: a loop nest in the compiled model rather than
// a call into MLIR's C runner library (Passes.td says when that happens).
//
//===----------------------------------------------------------------------===//

#include "autoglm/Target/CPU/Passes.h"

#include "mlir/IR/PatternMatch.h"

namespace mlir::autoglm {
#define GEN_PASS_DEF_AUTOGLMMEMREFCOPYTOLINALG
#include "autoglm/Target/CPU/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;

namespace {
struct MemRefCopyToLinalgPass
    : autoglm::impl::AutoGLMMemRefCopyToLinalgBase<MemRefCopyToLinalgPass> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    getOperation().walk([&](memref::CopyOp copy) {
      rewriter.setInsertionPoint(copy);
      rewriter.replaceOpWithNewOp<linalg::CopyOp>(copy, copy.getSource(),
                                                  copy.getTarget());
    });
  }
};
} // namespace
