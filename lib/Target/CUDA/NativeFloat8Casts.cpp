//===- NativeFloat8Casts.cpp - --autoglm-cuda-native-float8-casts ---------===//
//
// Before the lowering, for a model built only for GPUs of compute
// capability 8.9 and newer (an fp8 model): every `autoglm.cast` to
// f8E4M3FN is marked `autoglm.native_float8`, so that the lowering leaves
// it an arith.truncf (include/autoglm/Conversion/Float8.h) that
// --autoglm-cuda-float8-conversions turns into the GPU's own conversion,
// one instruction for what is otherwise some twenty integer operations a
// value (the quantization of every fp8 product's activation).
//
//===----------------------------------------------------------------------===//

#include "autoglm/Target/CUDA/Passes.h"

#include "autoglm/Conversion/Float8.h"
#include "autoglm/Dialect/AutoGLM.h"

namespace mlir::autoglm {
#define GEN_PASS_DEF_AUTOGLMCUDANATIVEFLOAT8CASTS
#include "autoglm/Target/CUDA/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;
using namespace mlir::autoglm;

namespace {
struct NativeFloat8Casts
    : autoglm::impl::AutoGLMCUDANativeFloat8CastsBase<NativeFloat8Casts> {
  void runOnOperation() override {
    UnitAttr unit = UnitAttr::get(&getContext());
    getOperation().walk([&](CastOp cast) {
      if (isa<Float8E4M3FNType>(getElementTypeOrSelf(cast.getType())) &&
          isa<FloatType>(getElementTypeOrSelf(cast.getInput().getType())))
        cast->setAttr(kNativeFloat8CastAttrName, unit);
    });
  }
};
} // namespace
