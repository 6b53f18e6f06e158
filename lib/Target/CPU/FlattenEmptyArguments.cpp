//===- FlattenEmptyArguments.cpp - --autoglm-flatten-empty-arguments ------===//
//
// An entry argument with no elements (memref<2x0x4xf32>) as memref<0xf32>,
// viewed as its shape inside: the bare-pointer convention of func-to-llvm
// converts the flat type but not the shaped one (Passes.td says why).
//
//===----------------------------------------------------------------------===//

#include "autoglm/Target/CPU/Passes.h"

#include "mlir/IR/Builders.h"

namespace mlir::autoglm {
#define GEN_PASS_DEF_AUTOGLMFLATTENEMPTYARGUMENTS
#include "autoglm/Target/CPU/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;

namespace {
/// A static, identity-layout memref with no elements and a 0 somewhere
/// after its leading dimension (a leading 0 converts as it is).
bool needsFlattening(Type type) {
  auto memref = dyn_cast<MemRefType>(type);
  if (!memref || !memref.hasStaticShape() || !memref.getLayout().isIdentity())
    return false;
  return memref.getRank() > 1 && memref.getNumElements() == 0 &&
         llvm::is_contained(memref.getShape().drop_front(), 0);
}

struct FlattenEmptyArgumentsPass
    : autoglm::impl::AutoGLMFlattenEmptyArgumentsBase<
          FlattenEmptyArgumentsPass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    // Only entries: nothing in the module calls them, so their signature
    // may change without touching a call site.
    if (func.isExternal() || !func.isPublic())
      return;
    Block &entry = func.getBody().front();
    OpBuilder builder = OpBuilder::atBlockBegin(&entry);
    SmallVector<Type> inputs(func.getArgumentTypes());
    for (auto [index, argument] : llvm::enumerate(entry.getArguments())) {
      if (!needsFlattening(argument.getType()))
        continue;
      auto shaped = cast<MemRefType>(argument.getType());
      auto flat = MemRefType::get({0}, shaped.getElementType(), nullptr,
                                  shaped.getMemorySpace());
      argument.setType(flat);
      inputs[index] = flat;
      // Row-major strides of the shape, written out: the identity layout
      // of a shape with a 0 has none to read.
      SmallVector<int64_t> strides(shaped.getRank(), 1);
      for (int64_t d = shaped.getRank() - 2; d >= 0; --d)
        strides[d] = strides[d + 1] * shaped.getDimSize(d + 1);
      auto view = memref::ReinterpretCastOp::create(
          builder, argument.getLoc(), shaped, argument, /*offset=*/0,
          shaped.getShape(), strides);
      argument.replaceAllUsesExcept(view.getResult(), view);
    }
    func.setFunctionType(
        builder.getFunctionType(inputs, func.getResultTypes()));
  }
};
} // namespace
