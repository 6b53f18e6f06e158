//===- ModelEmission.h - LLVM IR and objects of a CPU model -----*- C++ -*-===//
//
// Internal to lib/Target/CPU: the steps of the CPU target's emission.
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_LIB_TARGET_CPU_MODELEMISSION_H
#define AUTOGLM_LIB_TARGET_CPU_MODELEMISSION_H

#include "autoglm/Target/ModelSignature.h"

#include "mlir/IR/BuiltinOps.h"

#include <memory>

namespace llvm {
class LLVMContext;
class Module;
class TargetMachine;
} // namespace llvm

namespace mlir::autoglm {
/// Translates an LLVM-dialect module whose `main` takes the inputs then the
/// outputs as bare pointers, then the weights data when the module has an
/// `autoglm.weights` attribute, the workspace when it has an
/// `autoglm.workspace` attribute, optionally followed by the
/// `autoglm_exec_context *`, into LLVM IR, and adds the model's C ABI: the
/// entry function and the `autoglm_model_<name>` descriptor
/// (runtime/include/autoglm/model_abi.h); `exportGetter` also exports
/// `autoglm_get_model()` (for shared libraries loaded with dlopen; two
/// models linked into one binary would clash on it). Optimizes it for
/// `machine` at `optLevel`.
std::unique_ptr<llvm::Module>
translateToModelLLVMIR(ModuleOp module, llvm::LLVMContext &context,
                       const ModelSignature &signature,
                       llvm::TargetMachine &machine, unsigned optLevel,
                       bool exportGetter);

/// The same for a batch-polymorphic model (--batch-sizes): `modules[i]` at
/// batch `signature.batchSizes[i]` with `signatures[i]`, each translated
/// with its entry `autoglm_model_<name>_b<batch>_entry`, linked into one
/// module whose identical constants (the weights) are merged, and one
/// descriptor whose batch entries list them (`<name>_entry` and the
/// descriptor's own fields being the largest size's, with the largest
/// workspace).
std::unique_ptr<llvm::Module> translateBatchSizesToModelLLVMIR(
    ArrayRef<ModuleOp> modules, ArrayRef<ModelSignature> signatures,
    const ModelSignature &signature, llvm::LLVMContext &context,
    llvm::TargetMachine &machine, unsigned optLevel, bool exportGetter);
} // namespace mlir::autoglm

#endif // AUTOGLM_LIB_TARGET_CPU_MODELEMISSION_H
