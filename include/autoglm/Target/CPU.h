//===- CPU.h - native code for the host or another CPU ----------*- C++ -*-===//

#ifndef AUTOGLM_TARGET_CPU_H
#define AUTOGLM_TARGET_CPU_H

#include "autoglm/Target/ModelSignature.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"

#include <memory>
#include <string>

namespace llvm {
class LLVMContext;
class Module;
class raw_pwrite_stream;
class TargetMachine;
} // namespace llvm

namespace mlir::autoglm {

struct CPUTargetOptions {
  /// Empty: the host's triple, CPU and features (detected).
  std::string triple;
  std::string cpu;
  std::string features;
  unsigned optLevel = 3;
  /// Also export `autoglm_get_model()` (for shared libraries loaded with
  /// dlopen; two models linked into one binary would clash on it).
  bool exportGetter = false;
};

struct CPULoweringOptions {
  /// Non-empty: constants move into this weights file
  /// (--autoglm-externalize-weights) and main takes their data after the
  /// outputs.
  std::string weightsFile;
  /// Place the intermediate buffers in one arena (--autoglm-plan-memory),
  /// the workspace main takes after the weights; off, they are heap
  /// allocations freed after their last use.
  bool planMemory = true;
  /// The planner's report file ("" for none) and arena budget (0: none).
  std::string memoryReport;
  int64_t memoryBudget = 0;
  /// An SVG picture of the plan ("" for none).
  std::string memoryTimeline;
};

/// Adds the passes that take linalg/tensor IR (after the autoglm lowering)
/// to the LLVM dialect: bufferization with outputs as out-parameters, loops
/// (the large parallel ones on the runtime's threads, main taking the
/// execution context last), and the conversions to LLVM with bare-pointer
/// calling convention.
void buildCPULoweringPipeline(OpPassManager &pm,
                              const CPULoweringOptions &options = {});

/// A target machine for `options`; null after a diagnostic at `loc`.
std::unique_ptr<llvm::TargetMachine>
createCPUTargetMachine(const CPUTargetOptions &options, Location loc);

/// Translates an LLVM-dialect module whose `main` takes the inputs then the
/// outputs as bare pointers, then the weights data when the module has an
/// `autoglm.weights` attribute, the workspace when it has an
/// `autoglm.workspace` attribute, optionally followed by the
/// `autoglm_exec_context *`, into LLVM IR, and adds the model's C ABI: the
/// entry function and the `autoglm_model_<name>` descriptor
/// (runtime/include/autoglm/model_abi.h). Optimizes it for `machine`.
std::unique_ptr<llvm::Module>
translateToModelLLVMIR(ModuleOp module, llvm::LLVMContext &context,
                       const ModelSignature &signature,
                       llvm::TargetMachine &machine,
                       const CPUTargetOptions &options);

/// Writes `module` as a relocatable object file.
LogicalResult emitObjectFile(llvm::Module &module, llvm::TargetMachine &machine,
                             llvm::raw_pwrite_stream &os, Location loc);

/// The C header that declares a compiled model's descriptor and describes
/// its inputs and outputs.
std::string emitModelHeader(const ModelSignature &signature);

} // namespace mlir::autoglm

#endif // AUTOGLM_TARGET_CPU_H
