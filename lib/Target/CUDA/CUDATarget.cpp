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
#include "autoglm/Target/CUDA/Passes.h"

#include "../HostEmission.h"
#include "SharedWeights.h"
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
    // {a_type, b_type, d_type, transpose_a, transpose_b, alpha, m, n, k,
    //  batch, lda, ldb, ldd, stride_a, stride_b, stride_d}
    SmallVector<llvm::Type *> gemmFields(5, i32);
    gemmFields.push_back(llvm::Type::getFloatTy(context));
    gemmFields.append(10, i64);
    gemmTy = llvm::StructType::create(context, gemmFields, "autoglm_cuda_gemm");
    // {type, groups, batch, channels, height, width, filters,
    //  kernel_height, kernel_width, out_height, out_width, strides[2],
    //  dilations[2], pad_before[2], pad_after[2], layout, epilogue,
    //  bias_type, relu_upper}
    SmallVector<llvm::Type *> convFields(2, i32);
    convFields.append(17, i64);
    convFields.append(3, i32);
    convFields.push_back(llvm::Type::getFloatTy(context));
    convTy = llvm::StructType::create(context, convFields, "autoglm_cuda_conv");
    // {version, archs, min_cc, fatbin, fatbin_bytes, num_kernels,
    //  kernel_names, num_steps, steps, weights, weights_bytes,
    //  num_batch_images, batch_images}
    imageTy = llvm::StructType::create(
        context,
        {i32, ptr, i32, ptr, i64, i32, ptr, i32, ptr, ptr, i64, i32, ptr},
        "autoglm_cuda_image");
  }

  /// The weights data as one 256-byte aligned global (null when empty),
  /// for one image or shared by the images of several batch sizes.
  llvm::Constant *weights(ArrayRef<char> bytes) {
    return bytesGlobal(bytes, prefix + "_weights", 256);
  }

  /// The image of one size: the fields of autoglm_cuda_image before
  /// `num_batch_images`, its globals named after `name`.
  SmallVector<llvm::Constant *>
  sizeFields(const StepTable &table, ArrayRef<char> fatbin, StringRef archs,
             int minComputeCapability, llvm::Constant *weights,
             uint64_t weightsBytes, const std::string &name) {
    llvm::Type *i32 = globals.i32, *i64 = globals.i64;
    SmallVector<llvm::Constant *> names;
    for (auto [i, kernel] : llvm::enumerate(table.kernels))
      names.push_back(globals.string(kernel, name + "_kernel" + Twine(i)));
    SmallVector<llvm::Constant *> steps;
    for (auto [i, step] : llvm::enumerate(table.steps))
      steps.push_back(stepConstant(step, name + "_step" + std::to_string(i)));
    return {llvm::ConstantInt::get(i32, AUTOGLM_CUDA_IMAGE_VERSION),
            globals.string(archs, name + "_archs"),
            llvm::ConstantInt::get(i32, minComputeCapability),
            bytesGlobal(fatbin, name + "_fatbin", 64),
            llvm::ConstantInt::get(i64, fatbin.size()),
            llvm::ConstantInt::get(i32, names.size()),
            array(globals.ptrTy, names, name + "_kernel_names"),
            llvm::ConstantInt::get(i32, steps.size()),
            array(stepTy, steps, name + "_steps"),
            weights,
            llvm::ConstantInt::get(i64, weightsBytes)};
  }

  /// An autoglm_cuda_image value: one size's fields, then the images of a
  /// batch-polymorphic model's sizes (none for the sizes themselves).
  llvm::Constant *imageValue(ArrayRef<llvm::Constant *> fields,
                             ArrayRef<llvm::Constant *> batchImages = {}) {
    SmallVector<llvm::Constant *> all(fields);
    all.push_back(llvm::ConstantInt::get(globals.i32, batchImages.size()));
    all.push_back(array(imageTy, batchImages, prefix + "_batch_images"));
    return llvm::ConstantStruct::get(imageTy, all);
  }

  /// The model's image global.
  llvm::Constant *imageGlobal(llvm::Constant *value) {
    return globals.constantGlobal(value, prefix + "_cuda_image");
  }

private:
  llvm::Constant *bytesGlobal(ArrayRef<char> bytes, const Twine &name,
                              unsigned align) {
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
  }

  llvm::Constant *array(llvm::Type *element, ArrayRef<llvm::Constant *> values,
                        const Twine &name) {
    if (values.empty())
      return llvm::ConstantPointerNull::get(globals.ptrTy);
    return globals.constantGlobal(
        llvm::ConstantArray::get(llvm::ArrayType::get(element, values.size()),
                                 values),
        name);
  }

  llvm::Constant *stepConstant(const Step &step, const std::string &base) {
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
    llvm::Constant *gemm = llvm::ConstantPointerNull::get(globals.ptrTy);
    if (step.gemm) {
      const autoglm_cuda_gemm &g = *step.gemm;
      SmallVector<llvm::Constant *> fields;
      for (int32_t value :
           {g.a_type, g.b_type, g.d_type, g.transpose_a, g.transpose_b})
        fields.push_back(llvm::ConstantInt::get(i32, value));
      fields.push_back(
          llvm::ConstantFP::get(llvm::Type::getFloatTy(context), g.alpha));
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
      for (int32_t value : {c.layout, c.epilogue, c.bias_type})
        fields.push_back(llvm::ConstantInt::get(i32, value));
      fields.push_back(llvm::ConstantFP::get(
          llvm::Type::getFloatTy(context), static_cast<double>(c.relu_upper)));
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

/// What emission takes from one code-generated module: its steps, fatbin,
/// weights (embedded: the data; else the weights file) and workspace.
struct SizeImage {
  StepTable table;
  std::vector<char> fatbin;
  std::vector<char> embeddedWeights;
  ExternalWeights weights;
  uint64_t workspaceBytes = 0;
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

  ~CUDATarget() override {
    for (const std::string &file : moreEmbeddedWeights) {
      llvm::sys::fs::remove(file);
      llvm::sys::DontRemoveFileOnSignal(file);
    }
  }

  void buildTargetOpsPipeline(OpPassManager &pm,
                              const TargetOpsOptions &) const override {
    // Top-k decode attention has kernels of its own: it must not become
    // the CPU's sequential loop nest.
    pm.addNestedPass<func::FuncOp>(createAutoGLMCUDASelectDecodeAttention());
    // Built for fp8 tensor cores only (sm_89 and newer): casts to E4M3 are
    // the GPU's own conversion instruction.
    if (usesNativeFloat8(device))
      pm.addNestedPass<func::FuncOp>(createAutoGLMCUDANativeFloat8Casts());
  }

  void buildCodegenPipeline(OpPassManager &pm,
                            const CodegenOptions &options) const override {
    // Every constant goes to the device's weights: into the requested
    // weights file, or a temporary one that emission embeds; one per
    // module code-generated, so that the batch sizes of --batch-sizes each
    // keep theirs until emission.
    CodegenOptions codegen = options;
    if (codegen.weightsFile.empty())
      codegen.weightsFile = nextEmbeddedWeights();
    buildCUDACodegenPipeline(pm, codegen, device);
  }

  LogicalResult emit(ModuleOp module, const ModelSignature &signature,
                     ArtifactKind kind, StringRef outputPath,
                     TimingScope &timing) const override;

  LogicalResult emitBatchSizes(ArrayRef<ModuleOp> modules,
                               ArrayRef<ModelSignature> signatures,
                               const ModelSignature &signature,
                               ArtifactKind kind, StringRef outputPath,
                               TimingScope &timing) const override;

private:
  /// Each architecture's PTX from the module's one gpu.binary.
  FailureOr<SmallVector<ArchPTX>> readPTX(ModuleOp module) const;

  /// The temporary weights file of the next module code-generated.
  std::string nextEmbeddedWeights() const {
    if (embeddedWeightsUsed++ == 0)
      return embeddedWeights;
    std::string file =
        embeddedWeights + "." + std::to_string(embeddedWeightsUsed - 1);
    llvm::sys::RemoveFileOnSignal(file);
    moreEmbeddedWeights.push_back(file);
    return file;
  }

  /// The steps, fatbin, weights and workspace of a code-generated module.
  FailureOr<SizeImage> prepareImage(ModuleOp module,
                                    const ModelSignature &signature,
                                    TimingScope &timing) const;

  /// The lowest compute capability of the architectures built for.
  int minComputeCapability() const;

  HostOptions host;
  DeviceOptions device;
  std::unique_ptr<llvm::TargetMachine> machine;
  std::string embeddedWeights;
  llvm::FileRemover removeEmbeddedWeights;
  mutable unsigned embeddedWeightsUsed = 0;
  mutable std::vector<std::string> moreEmbeddedWeights;
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

int CUDATarget::minComputeCapability() const {
  int minimum = 0;
  for (const std::string &arch : device.archs) {
    int cc = computeCapabilityOf(arch);
    if (!minimum || cc < minimum)
      minimum = cc;
  }
  return minimum;
}

FailureOr<SizeImage> CUDATarget::prepareImage(ModuleOp module,
                                              const ModelSignature &signature,
                                              TimingScope &timing) const {
  Location loc = module.getLoc();
  FailureOr<SmallVector<ArchPTX>> ptx = readPTX(module);
  if (failed(ptx))
    return failure();
  SizeImage image;
  image.weights = takeExternalWeights(module);
  image.workspaceBytes = takeWorkspaceBytes(module);
  auto main = module.lookupSymbol<func::FuncOp>("main");
  FailureOr<StepTable> table =
      buildStepTable(main, signature.inputs.size(), signature.outputs.size(),
                     image.weights.bytes != 0, image.workspaceBytes != 0);
  if (failed(table))
    return failure();
  image.table = std::move(*table);

  if (!ptx->empty()) {
    TimingScope assemble = timing.nest("ptxas and fatbinary");
    FailureOr<std::vector<char>> built =
        buildFatbin(device.toolkitPath, *ptx, loc);
    if (failed(built))
      return failure();
    image.fatbin = std::move(*built);
  }

  // Weights in a temporary file are embedded: the data after its header.
  StringRef file = image.weights.file;
  auto isTemporary = [&](const std::string &temporary) {
    return file == llvm::sys::path::filename(temporary);
  };
  if (image.weights.bytes && (isTemporary(embeddedWeights) ||
                              llvm::any_of(moreEmbeddedWeights, isTemporary))) {
    SmallString<128> path(embeddedWeights);
    llvm::sys::path::remove_filename(path);
    llvm::sys::path::append(path, file);
    auto buffer = llvm::MemoryBuffer::getFile(path, false, false);
    if (!buffer || (*buffer)->getBufferSize() <
                       AUTOGLM_WEIGHTS_HEADER_BYTES + image.weights.bytes)
      return emitError(loc) << "cannot read back the weights to embed";
    const char *data =
        (*buffer)->getBufferStart() + AUTOGLM_WEIGHTS_HEADER_BYTES;
    image.embeddedWeights.assign(data, data + image.weights.bytes);
    image.weights = ExternalWeights();
  }
  return image;
}

LogicalResult CUDATarget::emit(ModuleOp module, const ModelSignature &signature,
                               ArtifactKind kind, StringRef outputPath,
                               TimingScope &timing) const {
  Location loc = module.getLoc();
  if (kind == ArtifactKind::DeviceAssembly) {
    FailureOr<SmallVector<ArchPTX>> ptx = readPTX(module);
    if (failed(ptx))
      return failure();
    return writeOutputFile(outputPath, loc, [&](llvm::raw_pwrite_stream &os) {
      for (const ArchPTX &arch : *ptx)
        os << "// ---- " << arch.arch << " ----\n" << arch.ptx << "\n";
      return success();
    });
  }
  FailureOr<SizeImage> image = prepareImage(module, signature, timing);
  if (failed(image))
    return failure();

  llvm::LLVMContext context;
  llvm::Module llvmModule(signature.modelName, context);
  llvmModule.setTargetTriple(machine->getTargetTriple());
  llvmModule.setDataLayout(machine->createDataLayout());
  std::string prefix = "autoglm_model_" + signature.modelName;
  DescriptorBuilder descriptor(llvmModule, prefix);
  ImageBuilder images(descriptor, prefix);
  SmallVector<llvm::Constant *> fields = images.sizeFields(
      image->table, image->fatbin, llvm::join(device.archs, ","),
      minComputeCapability(), images.weights(image->embeddedWeights),
      image->embeddedWeights.size(), prefix);
  llvm::GlobalVariable *desc = descriptor.modelDescriptor(
      signature, AUTOGLM_DEVICE_CUDA, nullptr, image->weights,
      image->workspaceBytes, images.imageGlobal(images.imageValue(fields)));
  if (kind == ArtifactKind::SharedLibrary)
    descriptor.exportGetter(desc);
  return writeHostArtifact(llvmModule, *machine, host, kind, outputPath, loc,
                           timing);
}

LogicalResult CUDATarget::emitBatchSizes(ArrayRef<ModuleOp> modules,
                                         ArrayRef<ModelSignature> signatures,
                                         const ModelSignature &signature,
                                         ArtifactKind kind,
                                         StringRef outputPath,
                                         TimingScope &timing) const {
  Location loc = ModuleOp(modules.front()).getLoc();
  if (kind == ArtifactKind::DeviceAssembly)
    return emitError(loc) << "--batch-sizes does not go with --emit=ptx yet";
  SmallVector<SizeImage> sizes;
  for (auto [module, sizeSignature] : llvm::zip(modules, signatures)) {
    FailureOr<SizeImage> image = prepareImage(module, sizeSignature, timing);
    if (failed(image))
      return failure();
    if (image->weights.bytes)
      return emitError(loc)
             << "--batch-sizes does not go with --weights=external yet";
    sizes.push_back(std::move(*image));
  }

  // One weights image: each constant the sizes have in common is kept
  // once, also where code generation folded another one differently per
  // size (a position table per length); each size's steps move to where
  // its constants are.
  SharedWeightsBuilder weights;
  for (auto [module, size, sizeSignature] :
       llvm::zip(modules, sizes, signatures)) {
    if (size.embeddedWeights.empty())
      continue;
    uint64_t imageBytes = size.embeddedWeights.size();
    std::vector<WeightExtent> extents = readWeightExtents(
        ModuleOp(module).lookupSymbol<func::FuncOp>("main"),
        sizeSignature.inputs.size() + sizeSignature.outputs.size(), imageBytes);
    // A step that reads between the constants found (not expected) keeps
    // its image whole.
    if (failed(weights.add(size.embeddedWeights, extents, size.table)) &&
        failed(
            weights.add(size.embeddedWeights, {{0, imageBytes}}, size.table)))
      return emitError(loc) << "a step reads outside the weights image";
  }

  llvm::LLVMContext context;
  llvm::Module llvmModule(signature.modelName, context);
  llvmModule.setTargetTriple(machine->getTargetTriple());
  llvmModule.setDataLayout(machine->createDataLayout());
  std::string prefix = "autoglm_model_" + signature.modelName;
  DescriptorBuilder descriptor(llvmModule, prefix);
  ImageBuilder images(descriptor, prefix);
  llvm::Constant *weightsGlobal = images.weights(weights.image());
  std::string archs = llvm::join(device.archs, ",");
  SmallVector<llvm::Constant *> sizeImages;
  SmallVector<llvm::Constant *> largest;
  SmallVector<DescriptorBuilder::BatchEntry> entries;
  uint64_t workspaceBytes = 0;
  for (auto [i, size, sizeSignature] : llvm::enumerate(sizes, signatures)) {
    std::string suffix = signature.entrySuffix(i);
    largest = images.sizeFields(size.table, size.fatbin, archs,
                                minComputeCapability(), weightsGlobal,
                                weights.image().size(), prefix + "_" + suffix);
    sizeImages.push_back(images.imageValue(largest));
    entries.push_back({entryBatchField(signature, sizeSignature, i),
                       &sizeSignature, nullptr, size.workspaceBytes, suffix});
    workspaceBytes = std::max(workspaceBytes, size.workspaceBytes);
  }
  // The descriptor's own image is the largest size's, listing every size.
  llvm::Constant *image =
      images.imageGlobal(images.imageValue(largest, sizeImages));
  llvm::GlobalVariable *desc = descriptor.modelDescriptor(
      signature, AUTOGLM_DEVICE_CUDA, nullptr, ExternalWeights(),
      workspaceBytes, image, descriptor.batchEntryTable(entries),
      entries.size());
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
