//===- HostEmission.h - host objects and the model descriptor ---*- C++ -*-===//
//
// Internal to lib/Target: what every target does with the host side of a
// compiled model once it is LLVM IR: the target machine, the constant
// descriptor of runtime/include/autoglm/model_abi.h, and writing LLVM IR, an
// object, or a library.
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_LIB_TARGET_HOSTEMISSION_H
#define AUTOGLM_LIB_TARGET_HOSTEMISSION_H

#include "autoglm/Target/Target.h"

#include "llvm/IR/Constants.h"
#include "llvm/IR/DerivedTypes.h"
#include "llvm/IR/GlobalVariable.h"

#include <memory>
#include <string>

namespace llvm {
class Function;
class Module;
class TargetMachine;
} // namespace llvm

namespace mlir::autoglm {
/// A target machine for `host`; null after a diagnostic at `loc`. Every
/// target's host code is compiled with it.
std::unique_ptr<llvm::TargetMachine>
createHostTargetMachine(const HostOptions &host, Location loc);

/// Writes `module` as `kind` (LLVM IR, an object, a static or a shared
/// library) to `outputPath`; the file stays only when writing succeeds.
LogicalResult writeHostArtifact(llvm::Module &module,
                                llvm::TargetMachine &machine,
                                const HostOptions &host, ArtifactKind kind,
                                StringRef outputPath, Location loc,
                                TimingScope &timing);

/// Writes `path` ("-": standard output) with `write`; the file stays only
/// when `write` succeeds. Removal on signals is the caller's (the driver
/// writes every output to a temporary file registered for it).
LogicalResult
writeOutputFile(StringRef path, Location loc,
                function_ref<LogicalResult(llvm::raw_pwrite_stream &)> write);

/// What the descriptor records of a weights file (bytes 0: embedded).
struct ExternalWeights {
  std::string file;
  uint64_t bytes = 0;
  uint64_t fingerprint = 0;
};

/// The arena `--autoglm-plan-memory` planned (0 bytes when it did not run
/// or found nothing to place); reads and removes `autoglm.workspace`,
/// since LLVM IR has no place for it.
uint64_t takeWorkspaceBytes(ModuleOp module);

/// Reads and removes the module's `autoglm.weights`.
ExternalWeights takeExternalWeights(ModuleOp module);

/// Builds the constant data of a model's descriptor in an LLVM module:
/// private globals named after `prefix` (`autoglm_model_<name>`).
class DescriptorBuilder {
public:
  DescriptorBuilder(llvm::Module &module, StringRef prefix);

  /// A private constant global holding `init`.
  llvm::Constant *constantGlobal(llvm::Constant *init, const Twine &name);
  /// A private NUL-terminated string.
  llvm::Constant *string(StringRef value, const Twine &name);

  /// The `autoglm_model_<name>` descriptor: `device` an autoglm_device,
  /// `entry` the entry function (null for a device model), `deviceImage`
  /// the device's image (null for the CPU).
  /// `batchEntries` and `numBatchEntries`: a batch-polymorphic model's
  /// table (batchEntryTable), or null and 0.
  llvm::GlobalVariable *modelDescriptor(const ModelSignature &signature,
                                        int32_t device, llvm::Function *entry,
                                        const ExternalWeights &weights,
                                        uint64_t workspaceBytes,
                                        llvm::Constant *deviceImage,
                                        llvm::Constant *batchEntries = nullptr,
                                        int32_t numBatchEntries = 0);

  /// One size of a batch-polymorphic model: its signature (whose dimension
  /// 0 of batched tensors is `batch`), entry (null for a device model) and
  /// workspace.
  struct BatchEntry {
    int64_t batch;
    const ModelSignature *signature;
    llvm::Function *entry;
    uint64_t workspaceBytes;
    /// The entry's part of its globals' names (ModelSignature::entrySuffix).
    std::string suffix;
  };
  /// The `autoglm_batch_entry` table of `entries`, smallest first.
  llvm::Constant *batchEntryTable(ArrayRef<BatchEntry> entries);

  /// Adds `autoglm_get_model()` returning `descriptor`: how a shared
  /// library loaded with dlopen hands out its model.
  void exportGetter(llvm::GlobalVariable *descriptor);

  llvm::LLVMContext &context;
  llvm::PointerType *ptrTy;
  llvm::IntegerType *i32, *i64;

private:
  llvm::Constant *tensorTable(ArrayRef<TensorSignature> tensors,
                              StringRef kind);

  llvm::Module &module;
  std::string prefix;
  llvm::StructType *tensorDescTy, *modelDescTy, *batchEntryTy, *indexCheckTy;
};

/// The `batch` field of entry `index` of `signature` (`entry` its own
/// signature): its --batch-sizes size, or, for a model whose entries are
/// sequence lengths only, its fixed dimension 0 (1 for scalars).
int64_t entryBatchField(const ModelSignature &signature,
                        const ModelSignature &entry, size_t index);
} // namespace mlir::autoglm

#endif // AUTOGLM_LIB_TARGET_HOSTEMISSION_H
