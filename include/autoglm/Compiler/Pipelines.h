//===- Pipelines.h - the compiler's phases ----------------------*- C++ -*-===//
//
// The compiler in phases (lib/Compiler/Pipelines.cpp): import, graph,
// kernels, lowering, code generation (the target's), emission. Each phase
// but import and emission is a pass pipeline, registered under a name so
// that tests start from any phase's input; `autoglm-opt --compile-to=PHASE`
// stops after one.
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_COMPILER_PIPELINES_H
#define AUTOGLM_COMPILER_PIPELINES_H

#include "autoglm/Passes/Passes.h"

#include "mlir/Pass/PassManager.h"

#include <optional>
#include <string>

namespace mlir::autoglm {
/// The phases, in order.
enum class Phase { Import, Graph, Kernels, Lowering, Codegen };

/// The phase `name` names ("graph", ...); nullopt for an unknown name.
std::optional<Phase> parsePhase(StringRef name);
StringRef getPhaseName(Phase phase);
/// Every phase name, in order.
ArrayRef<StringRef> getPhaseNames();

/// The short names of the default passes that can be left out
/// (--disable-pass): graph passes, the CPU's batch loop of the lowering
/// phase, and the memory planner of code generation.
ArrayRef<StringRef> getOptionalPasses();

/// Graph: shape inference, constant folding, precision assignment
/// (`precision.precision`: fp32, fp16, bf16 or int8; fp32 without a report
/// file adds no pass) and fusion on the autoglm dialect, except the passes
/// named in `disabled`; with `sparseAttention`, then the top-k rewrite of
/// decode attention. `instrumentCalibration` puts
/// --autoglm-instrument-calibration where precision assignment would go:
/// the float32 build that measures int8 activation ranges;
/// `instrumentAttentionMass` puts --autoglm-instrument-attention-mass (with
/// `sparseAttention`'s budget) where the top-k rewrite would go: the build
/// that measures --sparse-attention=auto's gate.
void buildGraphPipeline(
    OpPassManager &pm, ArrayRef<std::string> disabled = {},
    const AssignPrecisionOptions &precision = {},
    bool instrumentCalibration = false,
    const std::optional<SparseAttentionOptions> &sparseAttention = {},
    bool instrumentAttentionMass = false);

/// Kernels: every op that computes becomes (or already is) an
/// `autoglm.fused` region, one per kernel.
void buildKernelPipeline(OpPassManager &pm);

/// Lowering: the autoglm dialect to linalg/tensor/arith/math on tensors.
void buildLoweringPipeline(OpPassManager &pm);

/// Registers the phases as `--autoglm-graph-pipeline`,
/// `--autoglm-kernel-pipeline`, `--autoglm-lowering-pipeline` and each
/// target's `--autoglm-<target>-codegen-pipeline`.
void registerPipelines();
} // namespace mlir::autoglm

#endif // AUTOGLM_COMPILER_PIPELINES_H
