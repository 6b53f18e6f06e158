//===- GroupInt8Epilogues.cpp - int8 products and their requantization ---===//
//
// --autoglm-group-int8-epilogues: right after bufferization, each
// `autoglm.vnni` product whose int32 result is finished by a chain of
// elementwise generics that --autoglm-amx-contractions and
// --autoglm-vnni-contractions can run in the product's kernel
// (Int8Epilogue.h) is moved, with the chain, into one
// `scf.execute_region` marked `autoglm.int8_epilogue`:
//
//   scf.execute_region {
//     linalg.generic {autoglm.vnni} ins(%a, %w) outs(%c)
//     linalg.generic ins(%c, %scale, %bias) outs(%f)      // requantize
//     linalg.generic ins(%f) outs(%q)                     // to 8 bits
//     scf.yield
//   } {autoglm.int8_epilogue}                             (no_inline)
//
// The memory planner sees one op that uses every buffer of the group at
// once, so the chain's result gets bytes of its own. Planned apart, it
// may take the bytes of the product's activation (dead after the product)
// or write C in place; in the kernel, where one block writes its result
// while other blocks still read the activation, that would be wrong. The
// kernel passes lower the group's product with its chain and inline the
// group; --autoglm-vnni-contractions inlines any group left.
//
//===----------------------------------------------------------------------===//

#include "autoglm/Target/CPU/Passes.h"

#include "Int8Epilogue.h"
#include "VnniProduct.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::autoglm {
#define GEN_PASS_DEF_AUTOGLMGROUPINT8EPILOGUES
#include "autoglm/Target/CPU/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;

namespace {
struct GroupInt8Epilogues
    : autoglm::impl::AutoGLMGroupInt8EpiloguesBase<GroupInt8Epilogues> {
  void runOnOperation() override {
    SmallVector<linalg::GenericOp> products =
        autoglm::packedInt8Products(getOperation());
    IRRewriter rewriter(&getContext());
    for (linalg::GenericOp product : products) {
      std::optional<autoglm::Int8Epilogue> epilogue =
          autoglm::Int8Epilogue::match(product);
      if (!epilogue)
        continue;
      // Where the chain ends: every operand of the group is defined there.
      rewriter.setInsertionPoint(epilogue->insertionPoint());
      auto group =
          scf::ExecuteRegionOp::create(rewriter, product.getLoc(), TypeRange{});
      group->setAttr(autoglm::kInt8EpilogueGroupAttr, rewriter.getUnitAttr());
      // Canonicalization (in the deallocation pipeline) would inline it.
      group.setNoInline(true);
      Block *body = rewriter.createBlock(&group.getRegion());
      auto yield = scf::YieldOp::create(rewriter, product.getLoc());
      product->moveBefore(yield);
      for (linalg::GenericOp g : epilogue->generics())
        g->moveBefore(yield);
      (void)body;
    }
  }
};
} // namespace
