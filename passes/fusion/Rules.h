//===- Rules.h - the rule families of --autoglm-fuse ------------*- C++ -*-===//
//
// Internal to passes/: --autoglm-fuse (passes/Fuse.cpp) runs these families
// in order, each from one file of this folder:
//
//   Gelu.cpp       erf and tanh forms of GELU        -> autoglm.gelu
//   LayerNorm.cpp  ReduceMean/Sub/Pow/Sqrt/Div/...   -> autoglm.layer_norm
//   Attention.cpp  softmax(Q·Kᵀ·scale + mask)·V      -> autoglm.attention
//   Epilogue.cpp   matmul/conv + bias, activation,   -> autoglm.fused
//   "contraction"
//                  residual add
//   Clusters.cpp   elementwise chains (ending in a   -> autoglm.fused
//   "elementwise"
//                  reduction or not)                    / "reduction"
//
// Match.cpp holds what the rules share: constant matching, the region
// builder of autoglm.fused and reporting.
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_PASSES_FUSION_RULES_H
#define AUTOGLM_PASSES_FUSION_RULES_H

#include "autoglm/Dialect/AutoGLM.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/PatternMatch.h"

#include <optional>

namespace mlir::autoglm::fusion {
/// The name rewrites are reported under (the pass argument, as the
/// optimization report keys its runs).
inline constexpr llvm::StringLiteral kPassName = "autoglm-fuse";

//===--- the families -----------------------------------------------------===//

void populateGeluPatterns(RewritePatternSet &patterns);
void populateLayerNormPatterns(RewritePatternSet &patterns);
void populateAttentionPatterns(RewritePatternSet &patterns);
/// Wraps each float matmul/conv and its elementwise tail into a
/// "contraction" cluster.
void formContractionEpilogues(func::FuncOp func);
/// Wraps chains of elementwise ops (optionally ending in a reduction) into
/// "elementwise"/"reduction" clusters.
void formElementwiseClusters(func::FuncOp func);

//===--- matching helpers -------------------------------------------------===//

/// The value of a constant whose elements are all equal (a splat, including
/// one-element tensors) of float type; nullopt otherwise.
std::optional<double> splatFloat(Value v);
/// True when `v` is a float splat within a relative 1e-3 of `expected`
/// (exporters write constants such as sqrt(2) or 0.044715 rounded).
bool isSplatNear(Value v, double expected);
/// The operand of the binary op `op` that is not `v`; null when neither is.
Value otherOperand(Operation *op, Value v);
/// True for ranked tensors whose element type arith handles as is (floats and
/// signless integers): the clusters the lowering can fuse.
bool isSignlessTensor(Type type);

/// The fused location of `ops` (so diagnostics and reports name every ONNX
/// node the new op came from).
Location fusedLoc(ArrayRef<Operation *> ops);
/// Reports that `rule` rewrote `ops`.
void report(StringRef rule, ArrayRef<Operation *> ops);

/// Replaces `ops` (in one block, in program order, the last being the only
/// one used outside the set) by an autoglm.fused op of `kind` at the last
/// op's position. Values from outside become inputs, except splat constants,
/// which are copied into the body so the lowering sees them as scalars.
FusedOp buildCluster(StringRef kind, ArrayRef<Operation *> ops);
} // namespace mlir::autoglm::fusion

#endif // AUTOGLM_PASSES_FUSION_RULES_H
