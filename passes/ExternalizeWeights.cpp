//===- ExternalizeWeights.cpp - constants into a weights file -------------===//
//
// Large models should not carry hundreds of megabytes of weights inside an
// object file (slow to link, relocation limits, no sharing between
// processes). This pass moves the constant buffers into a file that the
// runtime maps at session creation, and makes `@main` read them through one
// extra pointer argument.
//
// Embedded weights (`embed`) take the same layout in one packed global: LLVM
// then sees one byte array, not one nest of constants per weight (which took
// minutes to translate, optimize and free for ResNet-50), and the loops that
// read weights reach them through views rather than through a global each,
// so the kernels of identical layers stay identical.
//
//===----------------------------------------------------------------------===//

#include "autoglm/Passes/Passes.h"

#include "autoglm/model_abi.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Support/xxhash.h"

#include <cstring>

namespace mlir::autoglm {
#define GEN_PASS_DEF_EXTERNALIZEWEIGHTS
#include "autoglm/Passes/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;
using namespace mlir::autoglm;

namespace {
constexpr uint64_t kAlignment = 64;

/// A constant moving to the weights file.
struct Weight {
  memref::GlobalOp global;
  /// The bytes of one element when the constant is a splat, else all.
  ArrayRef<char> data;
  /// Where `data` lives when it is not the attribute's own storage (i1,
  /// which attributes pack into bits, as one byte per element).
  std::shared_ptr<std::vector<char>> storage;
  uint64_t bytes = 0;
  uint64_t offset = 0;
};

/// The raw little-endian bytes of a global's initial value (booleans one
/// byte each, as in memory), or nullopt when it stays embedded (no value,
/// other sub-byte elements, an unloaded resource).
std::optional<Weight> readWeight(memref::GlobalOp global) {
  if (!global.getConstant() || !global.getInitialValue())
    return std::nullopt;
  MemRefType type = global.getType();
  if (!type.hasStaticShape() || !type.getLayout().isIdentity())
    return std::nullopt;
  Type element = type.getElementType();
  Attribute value = *global.getInitialValue();
  Weight weight;
  weight.global = global;
  if (type.getNumElements() == 0)
    return std::nullopt;
  if (element.isInteger(1)) {
    auto dense = dyn_cast<DenseElementsAttr>(value);
    if (!dense)
      return std::nullopt;
    weight.storage = std::make_shared<std::vector<char>>();
    if (dense.isSplat())
      weight.storage->push_back(dense.getSplatValue<bool>());
    else
      for (bool bit : dense.getValues<bool>())
        weight.storage->push_back(bit);
    weight.data = *weight.storage;
    weight.bytes = type.getNumElements();
    return weight;
  }
  if (!element.isIntOrFloat() || element.getIntOrFloatBitWidth() % 8 != 0)
    return std::nullopt;
  weight.bytes = type.getNumElements() * (element.getIntOrFloatBitWidth() / 8);
  if (auto dense = dyn_cast<DenseElementsAttr>(value)) {
    weight.data = dense.getRawData();
  } else if (auto resource = dyn_cast<DenseResourceElementsAttr>(value)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return std::nullopt;
    weight.data = blob->getData();
  } else {
    return std::nullopt;
  }
  uint64_t elementBytes = element.getIntOrFloatBitWidth() / 8;
  if (weight.data.size() != weight.bytes && weight.data.size() != elementBytes)
    return std::nullopt;
  return weight;
}

/// Writes `count` copies of `data` to `os`.
void writeRepeated(llvm::raw_ostream &os, ArrayRef<char> data, uint64_t count) {
  for (uint64_t i = 0; i < count; ++i)
    os.write(data.data(), data.size());
}

struct ExternalizeWeightsPass
    : public autoglm::impl::ExternalizeWeightsBase<ExternalizeWeightsPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (file.empty() == !embed) {
      module.emitError("--autoglm-externalize-weights needs file=PATH or "
                       "embed, not both");
      return signalPassFailure();
    }
    auto main = module.lookupSymbol<func::FuncOp>("main");
    if (!main || main.isExternal())
      return;

    SmallVector<Weight> weights;
    uint64_t totalBytes = 0;
    // Every global's users from one walk of the module (BERT-base has
    // hundreds of weights: a walk per global was most of this pass's time).
    SymbolTableCollection symbolTables;
    SymbolUserMap users(symbolTables, module);
    for (auto global : module.getOps<memref::GlobalOp>()) {
      std::optional<Weight> weight = readWeight(global);
      if (!weight || static_cast<int64_t>(weight->bytes) < minBytes ||
          !onlyMainReads(global, main, users))
        continue;
      weight->offset = llvm::alignTo(totalBytes, kAlignment);
      totalBytes = weight->offset + weight->bytes;
      weights.push_back(*weight);
    }
    if (weights.empty())
      return;
    totalBytes = llvm::alignTo(totalBytes, kAlignment);

    if (embed && perWeight) {
      embedEachWeight(module, main, weights);
      return;
    }
    if (embed) {
      embedWeights(module, main, weights, totalBytes);
      return;
    }
    uint64_t fingerprint = fingerprintOf(weights);
    if (failed(writeFile(weights, totalBytes, fingerprint)))
      return signalPassFailure();
    rewriteMain(main, weights, totalBytes);

    MLIRContext *ctx = module.getContext();
    AutoGLMDialect::WeightsAttrHelper(ctx).setAttr(
        module, WeightsAttr::get(
                    ctx, StringAttr::get(ctx, llvm::sys::path::filename(file)),
                    totalBytes, fingerprint));
  }

private:
  static bool onlyMainReads(memref::GlobalOp global, func::FuncOp main,
                            SymbolUserMap &users) {
    return llvm::all_of(users.getUsers(global), [&](Operation *user) {
      return isa<memref::GetGlobalOp>(user) &&
             user->getParentOfType<func::FuncOp>() == main;
    });
  }

  /// Identifies the file's contents: a hash of each weight's placement and
  /// bytes, combined in order (stable across runs and hosts, unlike
  /// llvm::hash_combine).
  static uint64_t fingerprintOf(ArrayRef<Weight> weights) {
    SmallVector<uint64_t> parts;
    for (const Weight &weight : weights) {
      parts.push_back(weight.offset);
      parts.push_back(weight.bytes);
      parts.push_back(llvm::xxh3_64bits(ArrayRef<uint8_t>(
          reinterpret_cast<const uint8_t *>(weight.data.data()),
          weight.data.size())));
    }
    return llvm::xxh3_64bits(
        ArrayRef<uint8_t>(reinterpret_cast<const uint8_t *>(parts.data()),
                          parts.size() * sizeof(uint64_t)));
  }

  LogicalResult writeFile(ArrayRef<Weight> weights, uint64_t totalBytes,
                          uint64_t fingerprint) {
    std::error_code error;
    llvm::raw_fd_ostream os(file, error, llvm::sys::fs::OF_None);
    if (error)
      return getOperation().emitError() << "cannot write the weights file '"
                                        << file << "': " << error.message();
    autoglm_weights_header header;
    std::memset(&header, 0, sizeof(header));
    std::memcpy(header.magic, AUTOGLM_WEIGHTS_MAGIC, sizeof(header.magic));
    header.data_bytes = totalBytes;
    header.fingerprint = fingerprint;
    static_assert(sizeof(header) == AUTOGLM_WEIGHTS_HEADER_BYTES);
    os.write(reinterpret_cast<const char *>(&header), sizeof(header));
    uint64_t position = 0;
    for (const Weight &weight : weights) {
      os.write_zeros(weight.offset - position);
      writeRepeated(os, weight.data, weight.bytes / weight.data.size());
      position = weight.offset + weight.bytes;
    }
    os.write_zeros(totalBytes - position);
    os.close();
    if (os.has_error())
      return getOperation().emitError()
             << "cannot write the weights file '" << file
             << "': " << os.error().message();
    return success();
  }

  /// A private constant byte global named `name` (made unique) holding
  /// `weights` at their offsets in `totalBytes`, and its read at the start
  /// of `@main`.
  static Value embedImage(ModuleOp module, SymbolTable &symbols,
                          func::FuncOp main, StringRef name,
                          ArrayRef<Weight> weights, uint64_t totalBytes) {
    MLIRContext *context = module.getContext();
    AsmResourceBlob blob =
        HeapAsmResourceBlob::allocate(totalBytes, kAlignment);
    MutableArrayRef<char> image = blob.getMutableData();
    std::memset(image.data(), 0, image.size());
    for (const Weight &weight : weights)
      for (uint64_t at = 0; at < weight.bytes; at += weight.data.size())
        std::memcpy(image.data() + weight.offset + at, weight.data.data(),
                    weight.data.size());
    auto bytes = static_cast<int64_t>(totalBytes);
    Type i8 = IntegerType::get(context, 8);
    auto value = DenseResourceElementsAttr::get(
        RankedTensorType::get({bytes}, i8), name, std::move(blob));
    // Created detached: the symbol table inserts it, renamed if `name` is
    // taken (one global per weight).
    OpBuilder b(context);
    auto global = memref::GlobalOp::create(
        b, module.getLoc(), name, b.getStringAttr("private"),
        MemRefType::get({bytes}, i8), value, /*constant=*/true,
        b.getI64IntegerAttr(kAlignment));
    symbols.insert(global, module.getBody()->begin());
    b.setInsertionPointToStart(&main.getBody().front());
    return memref::GetGlobalOp::create(b, main.getLoc(), global.getType(),
                                       global.getSymName());
  }

  /// The image as one private constant global, read by `@main`.
  static void embedWeights(ModuleOp module, func::FuncOp main,
                           ArrayRef<Weight> weights, uint64_t totalBytes) {
    SymbolTable symbols(module);
    Value data = embedImage(module, symbols, main, "__autoglm_weights", weights,
                            totalBytes);
    SmallVector<Value> images(weights.size(), data);
    rewriteReads(main, weights, images);
  }

  /// Each weight as a private constant global of its own, at offset 0.
  static void embedEachWeight(ModuleOp module, func::FuncOp main,
                              ArrayRef<Weight> weights) {
    SymbolTable symbols(module);
    SmallVector<Weight> placed(weights);
    SmallVector<Value> images;
    for (Weight &weight : placed) {
      weight.offset = 0;
      images.push_back(embedImage(module, symbols, main, "__autoglm_weight",
                                  weight,
                                  llvm::alignTo(weight.bytes, kAlignment)));
    }
    rewriteReads(main, placed, images);
  }

  static void rewriteMain(func::FuncOp main, ArrayRef<Weight> weights,
                          uint64_t totalBytes) {
    MLIRContext *context = main.getContext();
    auto dataType = MemRefType::get({static_cast<int64_t>(totalBytes)},
                                    IntegerType::get(context, 8));
    unsigned index = main.getNumArguments();
    (void)main.insertArgument(index, dataType, {}, main.getLoc());
    SmallVector<Value> images(weights.size(), main.getArgument(index));
    rewriteReads(main, weights, images);
  }

  /// Replaces each read of a moved global by a view of its image (`images`,
  /// one per weight) at its offset and erases the globals.
  static void rewriteReads(func::FuncOp main, ArrayRef<Weight> weights,
                           ArrayRef<Value> images) {
    llvm::StringMap<std::pair<Value, uint64_t>> placement;
    for (auto [i, weight] : llvm::enumerate(weights))
      placement[memref::GlobalOp(weight.global).getSymName()] = {images[i],
                                                                 weight.offset};

    SmallVector<memref::GetGlobalOp> reads;
    main.walk([&](memref::GetGlobalOp get) {
      if (placement.count(get.getName()))
        reads.push_back(get);
    });
    for (memref::GetGlobalOp get : reads) {
      OpBuilder b(get);
      auto [image, at] = placement[get.getName()];
      Value offset = arith::ConstantIndexOp::create(b, get.getLoc(), at);
      Value view = memref::ViewOp::create(b, get.getLoc(), get.getType(), image,
                                          offset, ValueRange{});
      get.replaceAllUsesWith(view);
      get.erase();
    }
    for (Weight weight : weights)
      weight.global.erase();
  }
};
} // namespace
