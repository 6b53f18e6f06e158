//===- PrecisionToggles.h - products kept in f32, toggled products -*- C++
//-*-===//
//
// Internal to the passes library: how --autoglm-assign-precision leaves
// chosen products in float32 (its `keep` option, what the accuracy budget
// decided) and how it builds the sensitivity build of the budget (its
// `toggles` option), in which each product it lowers also computes in
// float32 and a model input chooses, per ONNX node, which result the rest
// of the model reads. Both work by marking products before the lowering;
// the lowering passes over marked products.
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_PASSES_PRECISIONTOGGLES_H
#define AUTOGLM_PASSES_PRECISIONTOGGLES_H

#include "mlir/IR/BuiltinOps.h"

#include <string>

namespace mlir::autoglm {
/// The name prefix of a toggle input; the rest is the ONNX node's name.
/// tools/autoglm-run/MeasureToggles.h reads inputs by it.
constexpr StringLiteral kToggleInputPrefix = "autoglm.toggle:";

/// True when `op` is marked to stay in float32.
bool isKeptInFloat32(Operation *op);

/// Marks every op of `candidates` whose ONNX node is in `nodes`; an error
/// naming a node of `nodes` that no candidate belongs to.
LogicalResult keepInFloat32(ModuleOp module, ArrayRef<Operation *> candidates,
                            ArrayRef<std::string> nodes);

/// For each op of `candidates` (single-result products about to be
/// lowered): a float32 copy of it, marked kept, and a select after it
/// between the two, driven by a float32 [1] input of @main named
/// `autoglm.toggle:<node>` (one per ONNX node, appended to the inputs in
/// program order): 1 reads the op's result (lowered later), 0 the copy's.
LogicalResult insertPrecisionToggles(ModuleOp module,
                                     ArrayRef<Operation *> candidates);

/// Removes the marks of keepInFloat32 and insertPrecisionToggles.
void clearPrecisionMarks(ModuleOp module);
} // namespace mlir::autoglm

#endif // AUTOGLM_PASSES_PRECISIONTOGGLES_H
