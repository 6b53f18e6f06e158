//===- Float8Conversions.cpp - --autoglm-cuda-float8-conversions ----------===//
//
// In the kernels, before the conversion to NVVM: an arith.truncf from f32
// to f8E4M3FN (a cast --autoglm-cuda-native-float8-casts marked, its value
// already clamped to the finite range) becomes the GPU's conversion of a
// pair of f32 values to E4M3, rounding to nearest even and saturating
// (cvt.rn.satfinite.e4m3x2.f32, compute capability 8.9), here of the value
// twice, the low byte kept:
//
//   %p = nvvm.convert.f32x2.to.f8x2 %x, %x {rnd = rn, sat = satfinite}
//          : i16 (f8E4M3FN)
//   %t = arith.bitcast (arith.trunci %p : i16 to i8) : i8 to f8E4M3FN
//
// The bitcast back to the i8 the value is stored as then folds away, so no
// float8 type is left for the LLVM conversion.
//
//===----------------------------------------------------------------------===//

#include "autoglm/Target/CUDA/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::autoglm {
#define GEN_PASS_DEF_AUTOGLMCUDAFLOAT8CONVERSIONS
#include "autoglm/Target/CUDA/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;

namespace {
struct TruncToE4M3 : OpRewritePattern<arith::TruncFOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(arith::TruncFOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.getIn().getType().isF32() || !isa<Float8E4M3FNType>(op.getType()))
      return failure();
    Location loc = op.getLoc();
    Value x = op.getIn();
    Value pair = NVVM::ConvertF32x2ToF8x2Op::create(
        rewriter, loc, rewriter.getI16Type(), x, x, NVVM::FPRoundingMode::RN,
        NVVM::SaturationMode::SATFINITE, /*relu=*/false, op.getType());
    Value low =
        arith::TruncIOp::create(rewriter, loc, rewriter.getI8Type(), pair);
    rewriter.replaceOpWithNewOp<arith::BitcastOp>(op, op.getType(), low);
    return success();
  }
};

struct Float8Conversions
    : autoglm::impl::AutoGLMCUDAFloat8ConversionsBase<Float8Conversions> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<TruncToE4M3>(&getContext());
    arith::BitcastOp::getCanonicalizationPatterns(patterns, &getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
