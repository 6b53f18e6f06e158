//===- BatchLoop.cpp - --autoglm-cpu-batch-loop ---------------------------===//
//
// A CNN's first layers hold its largest activations: MobileNetV2's 1x1
// convolution after the first block writes 4.8 MB per image, 38.5 MB at
// batch 8, more than the L3 cache, so at batch 8 each kernel of those layers
// reads its input back from DRAM, where at batch 1 it finds it in cache.
// Their weights are small, so batching them gains nothing. This pass runs
// such a prefix of the graph image by image: an `scf.for` over the batch
// whose body holds the prefix's kernels at batch 1, each iteration taking
// its image out of the model's input (`tensor.extract_slice`) and writing
// the prefix's results into their slots of the whole batch's tensors
// (`tensor.insert_slice` on carried values, which bufferization writes in
// place). The kernels after the prefix, whose activations of an image are
// small or whose weights are much larger, keep the whole batch. The memory
// planner gives the body's buffers one image's size and lifetimes within an
// iteration.
//
// The prefix is the longest run of kernels from the top of the function
// (constants aside) where each kernel
//   - computes each image from that image alone: its body holds only
//     convolutions, pooling, batch normalization, concatenation along
//     another axis than the batch and elementwise ops whose other operands
//     broadcast along the batch;
//   - reads the model's batch inputs or results of the prefix (and
//     constants);
//   - touches at least `min-image-bytes` of activations per image, and has
//     at most `max-weight-ratio` (16) times their bytes of weights;
// and the prefix's weights take at most `max-loop-weight-bytes` (16 MiB)
// in all. Built for 3 or 4 threads, a kernel joins only where its
// activations of one image are at least 4 times its weights (the first
// rule, not measured against the longer loops there). Each image reads the
// loop's weights again, but the weights are read in order, from packed panels,
// and stream well from L3, where the activations a kernel reads back in a batch
// are read across rows and taps: ResNet-50 at batch 8, whose loop now runs to
// `layer3.1.conv1` (a 3x3 convolution of 2.4 MB of weights for 1 MB of
// activations an image among them), took 0.89-0.96x the time at one thread of
// the loop that stopped at `layer2.0.conv2` under the first rule (an image's
// activations at least 4x its weights; docs/decisions.md, "A batch loop
// takes kernels of more weight than activations"). The cap keeps the
// weights that every image reads again within a small L3 (half of a Zen
// 4's 32 MB).
//
// Built for 2 to kMaxThreads threads that divide the batch, the loop's
// images are dealt to lanes, a thread each (`autoglm.batch_lanes`, the
// `lanes` option): a lane runs every threads-th image with buffers of its
// own (--autoglm-plan-memory), each kernel on its thread alone
// (--autoglm-cpu-batch-lanes), instead of every kernel splitting one
// image between the threads, a fork and a join per kernel and image.
//
// Built for more than kMaxThreads threads there is no loop: a kernel in it
// has one image's parallel work, where many threads need the batch's (at 16
// threads and batch 8, MobileNetV2 took 1.21x the time with the loop and
// ResNet-50 1.09x; docs/decisions.md). The many cores' caches hold more of
// the batch, too.
//
//===----------------------------------------------------------------------===//

#include "autoglm/Target/CPU/Passes.h"

#include "autoglm/Dialect/AutoGLM.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"

namespace mlir::autoglm {
#define GEN_PASS_DEF_AUTOGLMCPUBATCHLOOP
#include "autoglm/Target/CPU/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;
using namespace mlir::autoglm;

namespace {
/// The most threads a model built with the loop runs with.
constexpr int64_t kMaxThreads = 4;
/// Built for more than two threads (and at most kMaxThreads), a kernel
/// joins only where its activations of one image are at least this many
/// times its weights: the first rule, measured there (the longer loops
/// that max-weight-ratio allows were measured on two cores only).
constexpr int64_t kManyThreadsActivationRatio = 4;

/// A static 4-d tensor of `batch` images (rank 4: the convolutional layers'
/// N x C x H x W).
bool isBatchOf(Type type, int64_t batch) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  return tensor && tensor.hasStaticShape() && tensor.getRank() == 4 &&
         tensor.getDimSize(0) == batch;
}

/// Bytes of a static tensor of integers or floats; nullopt for others.
std::optional<int64_t> bytesOf(Type type) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (!tensor || !tensor.hasStaticShape() ||
      !tensor.getElementType().isIntOrFloat())
    return std::nullopt;
  return tensor.getNumElements() *
         std::max<int64_t>(1, tensor.getElementTypeBitWidth() / 8);
}

/// A constant (autoglm.constant, arith.constant): a weight, the same for
/// every image.
bool isConstant(Value value) { return matchPattern(value, m_Constant()); }

/// Whether the body of `kernel`, whose inputs in `images` are batches of
/// images and whose other inputs are constants, computes each image of its
/// results from that image of its inputs alone.
bool computesImageByImage(FusedOp kernel, int64_t batch,
                          const DenseSet<Value> &images) {
  Block &body = kernel.getBody().front();
  DenseSet<Value> perImage, weights;
  for (auto [arg, input] : llvm::zip(body.getArguments(), kernel.getInputs()))
    (images.contains(input) ? perImage : weights).insert(arg);
  auto isWeight = [&](Value v) { return weights.contains(v); };
  // A weight broadcasts along the batch in an elementwise op.
  auto broadcasts = [&](Value v) {
    auto tensor = dyn_cast<RankedTensorType>(v.getType());
    return isWeight(v) && tensor &&
           (tensor.getRank() < 4 || tensor.getDimSize(0) == 1);
  };
  for (Operation &op : body.without_terminator()) {
    if (!isa<InferTypeOpInterface>(op) || op.getNumRegions() != 0)
      return false;
    // Ops of weights alone (a cast, say) give weights.
    if (llvm::all_of(op.getOperands(), isWeight)) {
      weights.insert_range(op.getResults());
      continue;
    }
    if (!llvm::all_of(op.getResultTypes(),
                      [&](Type t) { return isBatchOf(t, batch); }))
      return false;
    bool ok;
    if (op.hasTrait<OpTrait::autoglm::Elementwise>())
      ok = llvm::all_of(op.getOperands(), [&](Value v) {
        return perImage.contains(v) || broadcasts(v);
      });
    else if (auto concat = dyn_cast<ConcatOp>(op))
      ok = concat.getAxis() % 4 != 0 &&
           llvm::all_of(op.getOperands(),
                        [&](Value v) { return perImage.contains(v); });
    // Convolutions, pooling and batch normalization: the image is the
    // first operand; weights, biases and statistics are per channel.
    else if (isa<ConvOp, ConvTransposeOp, PoolOp, BatchNormOp>(op))
      ok = perImage.contains(op.getOperand(0)) &&
           llvm::all_of(op.getOperands().drop_front(), isWeight);
    else
      ok = false;
    if (!ok)
      return false;
    perImage.insert_range(op.getResults());
  }
  return true;
}

struct BatchLoopPass : autoglm::impl::AutoGLMCPUBatchLoopBase<BatchLoopPass> {
  using Base::Base;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (threads > kMaxThreads || func.isExternal() ||
        !func.getBody().hasOneBlock())
      return;
    SmallVector<FusedOp> prefix = findPrefix(func.getBody().front());
    if (prefix.size() >= 2)
      loopOverImages(prefix);
  }

private:
  /// The longest run of kernels at the top of `body` that pays to run
  /// image by image (the file's comment).
  SmallVector<FusedOp> findPrefix(Block &body) {
    SmallVector<FusedOp> prefix;
    DenseSet<Value> images; // the batch values the prefix may read
    int64_t batch = 0, loopWeightBytes = 0;
    for (Operation &op : body) {
      if (op.hasTrait<OpTrait::ConstantLike>())
        continue; // constants stay where they are
      auto kernel = dyn_cast<FusedOp>(op);
      if (!kernel || kernel->getNumResults() == 0)
        break;
      if (!batch) {
        // The batch is the first kernel's: a 4-d result of several images.
        auto first = dyn_cast<RankedTensorType>(kernel->getResult(0).getType());
        if (!first || first.getRank() != 4 || !first.hasStaticShape() ||
            first.getDimSize(0) <= 1)
          break;
        batch = first.getDimSize(0);
        for (BlockArgument arg : body.getArguments())
          if (isBatchOf(arg.getType(), batch))
            images.insert(arg);
      }
      std::optional<int64_t> weightBytes = paysWeights(kernel, batch, images);
      if (!weightBytes || loopWeightBytes + *weightBytes > maxLoopWeightBytes)
        break;
      loopWeightBytes += *weightBytes;
      prefix.push_back(kernel);
      images.insert_range(kernel->getResults());
    }
    return prefix;
  }

  /// The bytes of `kernel`'s weights where it pays to run image by image
  /// (the file's comment), else none.
  std::optional<int64_t> paysWeights(FusedOp kernel, int64_t batch,
                                     const DenseSet<Value> &images) {
    int64_t imageBytes = 0, largest = 0, weightBytes = 0;
    auto addImage = [&](Value value) {
      std::optional<int64_t> bytes = bytesOf(value.getType());
      if (!bytes || !isBatchOf(value.getType(), batch))
        return false;
      imageBytes += *bytes / batch;
      largest = std::max(largest, *bytes / batch);
      return true;
    };
    for (Value input : kernel.getInputs()) {
      if (images.contains(input)) {
        if (!addImage(input))
          return std::nullopt;
        continue;
      }
      std::optional<int64_t> bytes = bytesOf(input.getType());
      if (!bytes || !isConstant(input) || isBatchOf(input.getType(), batch))
        return std::nullopt;
      weightBytes += *bytes;
    }
    if (!llvm::all_of(kernel->getResults(), addImage) ||
        !computesImageByImage(kernel, batch, images))
      return std::nullopt;
    bool light = threads > 2
                     ? imageBytes >= kManyThreadsActivationRatio * weightBytes
                     : weightBytes <= maxWeightRatio * imageBytes;
    if (largest < minImageBytes || !light)
      return std::nullopt;
    return weightBytes;
  }

  /// Replaces `prefix` by an scf.for over the images running its kernels
  /// at batch 1; leaves it as it was if a kernel's body cannot be typed
  /// for one image.
  void loopOverImages(ArrayRef<FusedOp> prefix) {
    FusedOp last = prefix.back();
    Location loc = last.getLoc();
    int64_t batch =
        cast<RankedTensorType>(last->getResult(0).getType()).getDimSize(0);
    DenseSet<Operation *> inPrefix;
    for (FusedOp kernel : prefix)
      inPrefix.insert(kernel);
    // The prefix's results that later ops read: the loop's results.
    SmallVector<Value> escaping;
    for (FusedOp kernel : prefix)
      for (Value result : kernel->getResults())
        if (llvm::any_of(result.getUsers(), [&](Operation *user) {
              return !inPrefix.contains(user);
            }))
          escaping.push_back(result);

    OpBuilder b(last->getContext());
    b.setInsertionPointAfter(last);
    SmallVector<Operation *> created;
    SmallVector<Value> inits;
    for (Value value : escaping) {
      auto type = cast<RankedTensorType>(value.getType());
      auto empty = tensor::EmptyOp::create(b, loc, type.getShape(),
                                           type.getElementType());
      inits.push_back(empty);
      created.push_back(empty);
    }
    SmallVector<Value> bounds;
    for (int64_t value : {int64_t(0), batch, int64_t(1)}) {
      bounds.push_back(arith::ConstantIndexOp::create(b, loc, value));
      created.push_back(bounds.back().getDefiningOp());
    }
    auto loop =
        scf::ForOp::create(b, loc, bounds[0], bounds[1], bounds[2], inits);
    created.push_back(loop);

    OpBuilder nb = OpBuilder::atBlockBegin(loop.getBody());
    Value image = loop.getInductionVar();
    IRMapping map;
    for (FusedOp kernel : prefix) {
      for (Value input : kernel.getInputs())
        if (!map.contains(input) && !isConstant(input))
          map.map(input, imageSlice(nb, loc, input, image));
      auto clone = cast<FusedOp>(nb.clone(*kernel, map));
      if (failed(retypeForOneImage(clone))) {
        for (Operation *op : llvm::reverse(created))
          op->erase();
        return;
      }
    }
    SmallVector<Value> written;
    for (auto [value, slot] : llvm::zip(escaping, loop.getRegionIterArgs())) {
      auto type = cast<RankedTensorType>(slot.getType());
      ImageSlice at(nb, type, image);
      written.push_back(tensor::InsertSliceOp::create(
          nb, loc, map.lookup(value), slot, at.offsets, at.sizes, at.strides));
    }
    scf::YieldOp::create(nb, loc, written);
    AutoGLMDialect::BatchLoopAttrHelper(b.getContext())
        .setAttr(loop, b.getUnitAttr());
    // Built for several threads that divide the batch: a lane of images
    // a thread (the file's comment).
    if (lanes && threads > 1 && batch % threads == 0)
      AutoGLMDialect::BatchLanesAttrHelper(b.getContext())
          .setAttr(loop, b.getI64IntegerAttr(threads));

    for (auto [value, result] : llvm::zip(escaping, loop.getResults()))
      value.replaceUsesWithIf(result, [&](OpOperand &use) {
        return !inPrefix.contains(use.getOwner()) &&
               !loop->isAncestor(use.getOwner());
      });
    for (FusedOp kernel : llvm::reverse(prefix))
      kernel->erase();
  }

  /// The offsets, sizes and strides of image `image` of a batch of `type`:
  /// 1 x C x H x W at [image, 0, 0, 0].
  struct ImageSlice {
    ImageSlice(OpBuilder &b, RankedTensorType type, Value image)
        : offsets{image}, sizes{b.getIndexAttr(1)},
          strides(4, b.getIndexAttr(1)) {
      for (int64_t d = 1; d < 4; ++d) {
        offsets.push_back(b.getIndexAttr(0));
        sizes.push_back(b.getIndexAttr(type.getDimSize(d)));
      }
    }
    SmallVector<OpFoldResult> offsets, sizes, strides;
  };

  /// Image `image` of `batchValue`.
  static Value imageSlice(OpBuilder &b, Location loc, Value batchValue,
                          Value image) {
    ImageSlice at(b, cast<RankedTensorType>(batchValue.getType()), image);
    return tensor::ExtractSliceOp::create(b, loc, batchValue, at.offsets,
                                          at.sizes, at.strides);
  }

  /// Gives the clone of a kernel whose inputs now are single images the
  /// new shapes: its body's arguments, its ops' results (inferred again, in
  /// order) and its own results.
  static LogicalResult retypeForOneImage(FusedOp kernel) {
    Block &body = kernel.getBody().front();
    for (auto [arg, input] : llvm::zip(body.getArguments(), kernel.getInputs()))
      arg.setType(input.getType());
    for (Operation &op : body.without_terminator()) {
      auto inferrable = cast<InferTypeOpInterface>(op);
      SmallVector<Type> types;
      // No location: a failure is this pass's to handle, not an error.
      if (failed(inferrable.inferReturnTypes(
              op.getContext(), std::nullopt, op.getOperands(),
              op.getRawDictionaryAttrs(), op.getPropertiesStorage(),
              op.getRegions(), types)))
        return failure();
      for (auto [result, type] : llvm::zip(op.getResults(), types))
        result.setType(type);
    }
    for (auto [result, type] : llvm::zip(
             kernel->getResults(), body.getTerminator()->getOperandTypes()))
      result.setType(type);
    return success();
  }
};
} // namespace
