//===- CUDATarget.cpp - --target=cuda -------------------------------------===//
//
// Code generation leaves the host side as buffer bookkeeping around
// gpu.launch_func and one gpu.binary of PTX per architecture. Emission
// assembles the PTX into one fatbin, reads the host side into the step
// table of runtime/include/autoglm/cuda_image.h, and writes both, with the
// weights unless they go to a weights file, as constant data next to the
// model descriptor. The host has no code to run: the runtime replays the
// steps.
//
//===----------------------------------------------------------------------===//

#include "autoglm/Target/CUDA.h"

#include "../HostEmission.h"
#include "StepTable.h"
#include "Toolkit.h"

#include "autoglm/cuda_image.h"
#include "autoglm/model_abi.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Signals.h"
#include "llvm/Target/TargetMachine.h"

using namespace mlir;
using namespace mlir::autoglm;

namespace {
/// The constant data of a cuda_image.h image in an LLVM module.
class ImageBuilder {
public:
  ImageBuilder(DescriptorBuilder &globals, StringRef prefix)
      : globals(globals), context(globals.context), prefix(prefix.str()) {
    llvm::Type *ptr = globals.ptrTy, *i32 = globals.i32, *i64 = globals.i64;
    argTy =
        llvm::StructType::create(context, {i32, i32, i64}, "autoglm_cuda_arg");
    auto *dim3 = llvm::ArrayType::get(i32, 3);
    // {kind, kernel, grid[3], block[3], shared_bytes, num_args, args,
    //  bytes, gemm, conv, nodes}
    stepTy = llvm::StructType::create(
        context, {i32, i32, dim3, dim3, i32, i32, ptr, i64, ptr, ptr, ptr},
        "autoglm_cuda_step");
    // {a_type, b_type, d_type, transpose_a, transpose_b, reserved, m, n, k,
    //  batch, lda, ldb, ldd, stride_a, stride_b, stride_d}
    SmallVector<llvm::Type *> gemmFields(6, i32);
    gemmFields.append(10, i64);
    gemmTy = llvm::StructType::create(context, gemmFields, "autoglm_cuda_gemm");
    // {type, groups, batch, channels, height, width, filters,
    //  kernel_height, kernel_width, out_height, out_width, strides[2],
    //  dilations[2], pad_before[2], pad_after[2]}
    SmallVector<llvm::Type *> convFields(2, i32);
    convFields.append(17, i64);
    convTy = llvm::StructType::create(context, convFields, "autoglm_cuda_conv");
    // {version, archs, min_cc, fatbin, fatbin_bytes, num_kernels,
    //  kernel_names, num_steps, steps, weights, weights_bytes}
    imageTy = llvm::StructType::create(
        context, {i32, ptr, i32, ptr, i64, i32, ptr, i32, ptr, ptr, i64},
        "autoglm_cuda_image");
  }

  llvm::Constant *image(const StepTable &table, ArrayRef<char> fatbin,
                        StringRef archs, int minComputeCapability,
                        ArrayRef<char> weights) {
    llvm::Type *i32 = globals.i32, *i64 = globals.i64;
    auto bytesGlobal = [&](ArrayRef<char> bytes, const Twine &name,
                           unsigned align) -> llvm::Constant * {
      if (bytes.empty())
        return llvm::ConstantPointerNull::get(globals.ptrTy);
      auto *global = cast<llvm::GlobalVariable>(globals.constantGlobal(
          llvm::ConstantDataArray::get(
              context,
              ArrayRef<uint8_t>(reinterpret_cast<const uint8_t *>(bytes.data()),
                                bytes.size())),
          name));
      global->setAlignment(llvm::Align(align));
      return global;
    };
    SmallVector<llvm::Constant *> names;
    for (auto [i, kernel] : llvm::enumerate(table.kernels))
      names.push_back(globals.string(kernel, prefix + "_kernel" + Twine(i)));
    SmallVector<llvm::Constant *> steps;
    for (auto [i, step] : llvm::enumerate(table.steps))
      steps.push_back(stepConstant(step, i));
    llvm::Constant *fields[] = {
        llvm::ConstantInt::get(i32, AUTOGLM_CUDA_IMAGE_VERSION),
        globals.string(archs, prefix + "_archs"),
        llvm::ConstantInt::get(i32, minComputeCapability),
        bytesGlobal(fatbin, prefix + "_fatbin", 64),
        llvm::ConstantInt::get(i64, fatbin.size()),
        llvm::ConstantInt::get(i32, names.size()),
        array(globals.ptrTy, names, prefix + "_kernel_names"),
        llvm::ConstantInt::get(i32, steps.size()),
        array(stepTy, steps, prefix + "_steps"),
        bytesGlobal(weights, prefix + "_weights", 256),
        llvm::ConstantInt::get(i64, weights.size())};
    return globals.constantGlobal(llvm::ConstantStruct::get(imageTy, fields),
                                  prefix + "_cuda_image");
  }

private:
  llvm::Constant *array(llvm::Type *element, ArrayRef<llvm::Constant *> values,
                        const Twine &name) {
    if (values.empty())
      return llvm::ConstantPointerNull::get(globals.ptrTy);
    return globals.constantGlobal(
        llvm::ConstantArray::get(llvm::ArrayType::get(element, values.size()),
                                 values),
        name);
  }

  llvm::Constant *stepConstant(const Step &step, size_t index) {
    llvm::Type *i32 = globals.i32, *i64 = globals.i64;
    SmallVector<llvm::Constant *> args;
    for (const StepArg &arg : step.args)
      args.push_back(llvm::ConstantStruct::get(
          argTy, {llvm::ConstantInt::get(i32, arg.kind),
                  llvm::ConstantInt::get(i32, arg.index),
                  llvm::ConstantInt::get(i64, arg.value)}));
    auto dim3 = [&](const std::array<uint32_t, 3> &dims) {
      return llvm::ConstantDataArray::get(
          context, ArrayRef<uint32_t>(dims.data(), dims.size()));
    };
    std::string base = prefix + "_step" + std::to_string(index);
    llvm::Constant *gemm = llvm::ConstantPointerNull::get(globals.ptrTy);
    if (step.gemm) {
      const autoglm_cuda_gemm &g = *step.gemm;
      SmallVector<llvm::Constant *> fields;
      for (int32_t value : {g.a_type, g.b_type, g.d_type, g.transpose_a,
                            g.transpose_b, g.reserved})
        fields.push_back(llvm::ConstantInt::get(i32, value));
      for (int64_t value : {g.m, g.n, g.k, g.batch, g.lda, g.ldb, g.ldd,
                            g.stride_a, g.stride_b, g.stride_d})
        fields.push_back(llvm::ConstantInt::get(i64, value));
      gemm = globals.constantGlobal(llvm::ConstantStruct::get(gemmTy, fields),
                                    base + "_gemm");
    }
    llvm::Constant *conv = llvm::ConstantPointerNull::get(globals.ptrTy);
    if (step.conv) {
      const autoglm_cuda_conv &c = *step.conv;
      SmallVector<llvm::Constant *> fields;
      for (int32_t value : {c.type, c.groups})
        fields.push_back(llvm::ConstantInt::get(i32, value));
      for (int64_t value :
           {c.batch, c.channels, c.height, c.width, c.filters, c.kernel_height,
            c.kernel_width, c.out_height, c.out_width, c.strides[0],
            c.strides[1], c.dilations[0], c.dilations[1], c.pad_before[0],
            c.pad_before[1], c.pad_after[0], c.pad_after[1]})
        fields.push_back(llvm::ConstantInt::get(i64, value));
      conv = globals.constantGlobal(llvm::ConstantStruct::get(convTy, fields),
                                    base + "_conv");
    }
    return llvm::ConstantStruct::get(
        stepTy,
        {llvm::ConstantInt::get(i32, step.kind),
         llvm::ConstantInt::get(i32, step.kernel), dim3(step.grid),
         dim3(step.block), llvm::ConstantInt::get(i32, step.sharedBytes),
         llvm::ConstantInt::get(i32, step.args.size()),
         array(argTy, args, base + "_args"),
         llvm::ConstantInt::get(i64, step.bytes), gemm, conv,
         globals.string(step.nodes, base + "_nodes")});
  }

  DescriptorBuilder &globals;
  llvm::LLVMContext &context;
  std::string prefix;
  llvm::StructType *argTy, *stepTy, *gemmTy, *convTy, *imageTy;
};

class CUDATarget : public Target {
public:
  CUDATarget(const HostOptions &host, const DeviceOptions &device,
             std::unique_ptr<llvm::TargetMachine> machine,
             std::string embeddedWeights)
      : host(host), device(device), machine(std::move(machine)),
        embeddedWeights(std::move(embeddedWeights)),
        removeEmbeddedWeights(this->embeddedWeights) {
    if (this->device.archs.empty())
      for (StringRef arch : getDefaultCUDAArchs())
        this->device.archs.push_back(arch.str());
  }

  StringRef getName() const override { return "cuda"; }

  void buildCodegenPipeline(OpPassManager &pm,
                            const CodegenOptions &options) const override {
    // Every constant goes to the device's weights: into the requested
    // weights file, or a temporary one that emission embeds.
    CodegenOptions codegen = options;
    if (codegen.weightsFile.empty())
      codegen.weightsFile = embeddedWeights;
    buildCUDACodegenPipeline(pm, codegen, device);
  }

  LogicalResult emit(ModuleOp module, const ModelSignature &signature,
                     ArtifactKind kind, StringRef outputPath,
                     TimingScope &timing) const override;

private:
  /// Each architecture's PTX from the module's one gpu.binary.
  FailureOr<SmallVector<ArchPTX>> readPTX(ModuleOp module) const;

  HostOptions host;
  DeviceOptions device;
  std::unique_ptr<llvm::TargetMachine> machine;
  std::string embeddedWeights;
  llvm::FileRemover removeEmbeddedWeights;
};

FailureOr<SmallVector<ArchPTX>> CUDATarget::readPTX(ModuleOp module) const {
  SmallVector<ArchPTX> archs;
  for (auto binary : module.getOps<gpu::BinaryOp>())
    for (Attribute attr : binary.getObjects()) {
      auto object = cast<gpu::ObjectAttr>(attr);
      auto target = dyn_cast<NVVM::NVVMTargetAttr>(object.getTarget());
      if (!target || object.getFormat() != gpu::CompilationTarget::Assembly)
        return emitError(binary.getLoc())
               << "expected the kernels as PTX for NVVM targets";
      archs.push_back({target.getChip().str(), object.getObject().str()});
    }
  return archs;
}

LogicalResult CUDATarget::emit(ModuleOp module, const ModelSignature &signature,
                               ArtifactKind kind, StringRef outputPath,
                               TimingScope &timing) const {
  Location loc = module.getLoc();
  FailureOr<SmallVector<ArchPTX>> ptx = readPTX(module);
  if (failed(ptx))
    return failure();
  if (kind == ArtifactKind::DeviceAssembly)
    return writeOutputFile(outputPath, loc, [&](llvm::raw_pwrite_stream &os) {
      for (const ArchPTX &arch : *ptx)
        os << "// ---- " << arch.arch << " ----\n" << arch.ptx << "\n";
      return success();
    });

  ExternalWeights weights = takeExternalWeights(module);
  uint64_t workspaceBytes = takeWorkspaceBytes(module);
  auto main = module.lookupSymbol<func::FuncOp>("main");
  FailureOr<StepTable> table =
      buildStepTable(main, signature.inputs.size(), signature.outputs.size(),
                     weights.bytes != 0, workspaceBytes != 0);
  if (failed(table))
    return failure();

  std::vector<char> fatbin;
  if (!ptx->empty()) {
    TimingScope assemble = timing.nest("ptxas and fatbinary");
    FailureOr<std::vector<char>> built =
        buildFatbin(device.toolkitPath, *ptx, loc);
    if (failed(built))
      return failure();
    fatbin = std::move(*built);
  }

  // Weights in the temporary file are embedded: the data after its header.
  std::unique_ptr<llvm::MemoryBuffer> embedded;
  ArrayRef<char> embeddedData;
  if (weights.bytes &&
      weights.file == llvm::sys::path::filename(embeddedWeights)) {
    auto buffer = llvm::MemoryBuffer::getFile(embeddedWeights, false, false);
    if (!buffer || (*buffer)->getBufferSize() <
                       AUTOGLM_WEIGHTS_HEADER_BYTES + weights.bytes)
      return emitError(loc) << "cannot read back the weights to embed";
    embedded = std::move(*buffer);
    embeddedData = ArrayRef<char>(embedded->getBufferStart() +
                                      AUTOGLM_WEIGHTS_HEADER_BYTES,
                                  weights.bytes);
    weights = ExternalWeights();
  }

  int minComputeCapability = 0;
  for (const std::string &arch : device.archs) {
    int cc = computeCapabilityOf(arch);
    if (!minComputeCapability || cc < minComputeCapability)
      minComputeCapability = cc;
  }

  llvm::LLVMContext context;
  llvm::Module llvmModule(signature.modelName, context);
  llvmModule.setTargetTriple(machine->getTargetTriple());
  llvmModule.setDataLayout(machine->createDataLayout());
  std::string prefix = "autoglm_model_" + signature.modelName;
  DescriptorBuilder descriptor(llvmModule, prefix);
  ImageBuilder images(descriptor, prefix);
  llvm::Constant *image =
      images.image(*table, fatbin, llvm::join(device.archs, ","),
                   minComputeCapability, embeddedData);
  llvm::GlobalVariable *desc = descriptor.modelDescriptor(
      signature, AUTOGLM_DEVICE_CUDA, nullptr, weights, workspaceBytes, image);
  if (kind == ArtifactKind::SharedLibrary)
    descriptor.exportGetter(desc);
  return writeHostArtifact(llvmModule, *machine, host, kind, outputPath, loc,
                           timing);
}
} // namespace

std::unique_ptr<Target>
mlir::autoglm::createCUDATarget(const HostOptions &host,
                                const DeviceOptions &device, Location loc) {
  for (const std::string &arch : device.archs)
    if (!computeCapabilityOf(arch) || computeCapabilityOf(arch) < 75) {
      emitError(loc) << "--gpu-arch=" << arch
                     << " is not a CUDA architecture this compiler targets "
                        "(sm_75 or newer, e.g. sm_80, sm_90a)";
      return nullptr;
    }
  // The toolkit is needed from code generation on (libdevice, ptxas): a
  // missing one is reported before any work.
  DeviceOptions resolved = device;
  std::string whyNot;
  resolved.toolkitPath = findCUDAToolkit(device.toolkitPath, whyNot);
  if (resolved.toolkitPath.empty()) {
    emitError(loc) << whyNot;
    return nullptr;
  }
  std::unique_ptr<llvm::TargetMachine> machine =
      createHostTargetMachine(host, loc);
  if (!machine)
    return nullptr;
  SmallString<128> weights;
  if (llvm::sys::fs::createTemporaryFile("autoglm-embedded", "weights",
                                         weights)) {
    emitError(loc) << "cannot create a temporary weights file";
    return nullptr;
  }
  // An interrupted compilation leaves nothing behind.
  llvm::sys::RemoveFileOnSignal(weights);
  return std::make_unique<CUDATarget>(host, resolved, std::move(machine),
                                      weights.str().str());
}
