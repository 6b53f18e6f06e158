//===- AutoGLM.h - the autoglm dialect --------------------------*- C++ -*-===//
//
// Public header of the autoglm dialect: the dialect, its enums and attributes,
// and its ops (generated from dialects/AutoGLM/*.td).
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_DIALECT_AUTOGLM_H
#define AUTOGLM_DIALECT_AUTOGLM_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

// The attributes first: the dialect's helpers for its discardable
// attributes name them.
#include "autoglm/Dialect/AutoGLMEnums.h.inc"
#define GET_ATTRDEF_CLASSES
#include "autoglm/Dialect/AutoGLMAttrs.h.inc"

#include "autoglm/Dialect/AutoGLMDialect.h.inc"

namespace mlir {
namespace OpTrait {
namespace autoglm {
/// Marks ops that compute each result element from the operand elements at
/// the same (broadcast) position; cluster fusion looks for it.
template <typename ConcreteType>
class Elementwise : public TraitBase<ConcreteType, Elementwise> {};
} // namespace autoglm
} // namespace OpTrait

namespace autoglm {
/// True when each `actual` type agrees with the `inferred` one: same element
/// type and rank, and equal sizes wherever both know a dimension. Either side
/// may know more (the importer may know a static size inference cannot
/// derive; --autoglm-infer-shapes refines `?` after inputs were specialized).
bool areCompatibleTypes(TypeRange inferred, TypeRange actual);

/// The ONNX node names in `loc` (NameLocs, also inside fused and call-site
/// locations), in order and without duplicates; empty when it has none.
/// Every diagnostic and report names nodes through this.
SmallVector<StringRef> getNodeNames(Location loc);

/// The first ONNX node name in `loc`, "" when it has none.
StringRef getNodeName(Location loc);
} // namespace autoglm
} // namespace mlir

#define GET_OP_CLASSES
#include "autoglm/Dialect/AutoGLMOps.h.inc"

namespace mlir {
class RewriterBase;
namespace autoglm {
/// Replaces `op` by its body: the body's ops move before it, the block
/// arguments become its inputs, and its results what the body yields (an
/// input itself where the body yields a block argument, as the lowering of
/// a pad by zero or a cast to the same type does).
void inlineFusedOp(RewriterBase &rewriter, FusedOp op);
} // namespace autoglm
} // namespace mlir

#endif // AUTOGLM_DIALECT_AUTOGLM_H
