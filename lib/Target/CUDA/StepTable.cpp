//===- StepTable.cpp - the forward pass as the runtime's steps ------------===//

#include "StepTable.h"

#include "autoglm/Dialect/AutoGLM.h"
#include "autoglm/Target/ModelSignature.h"
#include "autoglm/cuda_image.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "llvm/ADT/StringExtras.h"

#include <limits>

using namespace mlir;
using namespace mlir::autoglm;

namespace {
class StepTableBuilder {
public:
  StepTableBuilder(func::FuncOp main, size_t numInputs, size_t numOutputs,
                   bool hasWeights, bool hasWorkspace)
      : main(main), numInputs(numInputs), numOutputs(numOutputs),
        weightsArg(hasWeights ? numInputs + numOutputs : -1),
        workspaceArg(
            hasWorkspace ? numInputs + numOutputs + (hasWeights ? 1 : 0) : -1) {
  }

  FailureOr<StepTable> build() {
    for (Operation &op : main.getBody().front()) {
      LogicalResult added = success();
      if (auto launch = dyn_cast<gpu::LaunchFuncOp>(op))
        added = addLaunch(launch);
      else if (auto copy = dyn_cast<memref::CopyOp>(op))
        added = addCopy(copy);
      else if (auto gemm = dyn_cast<GemmOp>(op))
        added = addGemm(gemm);
      else if (auto conv = dyn_cast<DnnConvOp>(op))
        added = addConv(conv);
      else if (!isBookkeeping(&op))
        added = op.emitError("'")
                << op.getName() << "' stays on the host, where the CUDA "
                << "target cannot run it";
      if (failed(added))
        return failure();
    }
    return table;
  }

private:
  static bool isBookkeeping(Operation *op) {
    return isa<arith::ConstantOp, memref::DeallocOp, func::ReturnOp,
               ViewLikeOpInterface, memref::TransposeOp>(op);
  }

  static std::string nodesOf(Location loc) {
    return llvm::join(getNodeNames(loc), ",");
  }

  /// The device buffer and byte offset a memref's aligned pointer is at.
  FailureOr<StepArg> resolve(Value value, Operation *user) {
    uint64_t offset = 0;
    while (true) {
      if (auto arg = dyn_cast<BlockArgument>(value)) {
        if (arg.getOwner()->getParentOp() != main)
          break;
        int64_t n = arg.getArgNumber();
        StepArg result;
        result.value = offset;
        if (n < static_cast<int64_t>(numInputs)) {
          result.kind = AUTOGLM_CUDA_ARG_INPUT;
          result.index = n;
        } else if (n < static_cast<int64_t>(numInputs + numOutputs)) {
          result.kind = AUTOGLM_CUDA_ARG_OUTPUT;
          result.index = n - numInputs;
        } else if (n == weightsArg) {
          result.kind = AUTOGLM_CUDA_ARG_WEIGHTS;
        } else if (n == workspaceArg) {
          result.kind = AUTOGLM_CUDA_ARG_WORKSPACE;
        } else {
          break;
        }
        return result;
      }
      Operation *def = value.getDefiningOp();
      if (auto view = dyn_cast<memref::ViewOp>(def)) {
        // A view moves the aligned pointer by its byte shift.
        std::optional<int64_t> shift = getConstantIntValue(view.getByteShift());
        if (!shift)
          return user->emitError("a buffer at a dynamic offset");
        offset += *shift;
        value = view.getSource();
        continue;
      }
      // Subviews, reshapes and casts keep the aligned pointer; a static
      // offset in the layout is applied by the kernel.
      if (auto viewLike = dyn_cast<ViewLikeOpInterface>(def)) {
        value = viewLike.getViewSource();
        continue;
      }
      // A transposed view (what a gemm reads stored by columns) keeps the
      // pointer; its strides are in its type.
      if (auto transpose = dyn_cast<memref::TransposeOp>(def)) {
        value = transpose.getIn();
        continue;
      }
      if (isa<memref::AllocOp, memref::AllocaOp>(def))
        return user->emitError("uses a buffer the memory plan did not place "
                               "in the device arena");
      break;
    }
    return user->emitError("uses a buffer that is not on the device");
  }

  LogicalResult addLaunch(gpu::LaunchFuncOp launch) {
    Step step;
    step.kind = launch->hasAttr(kDependentLaunchAttr)
                    ? AUTOGLM_CUDA_STEP_DEPENDENT_LAUNCH
                    : AUTOGLM_CUDA_STEP_LAUNCH;
    StringRef name = launch.getKernelName().getValue();
    auto it = llvm::find(table.kernels, name);
    step.kernel = it - table.kernels.begin();
    if (it == table.kernels.end())
      table.kernels.push_back(name.str());
    gpu::KernelDim3 grid = launch.getGridSizeOperandValues();
    gpu::KernelDim3 block = launch.getBlockSizeOperandValues();
    Value dims[] = {grid.x, grid.y, grid.z, block.x, block.y, block.z};
    for (auto [i, dim] : llvm::enumerate(dims)) {
      std::optional<int64_t> size = getConstantIntValue(dim);
      if (!size)
        return launch.emitError("a launch of dynamic size");
      (i < 3 ? step.grid[i] : step.block[i - 3]) = *size;
    }
    for (Value operand : launch.getKernelOperands()) {
      // An empty buffer is never read or written: a null pointer will do,
      // wherever its (zero) bytes would be.
      if (auto type = dyn_cast<MemRefType>(operand.getType());
          type && type.hasStaticShape() && type.getNumElements() == 0) {
        step.args.push_back({AUTOGLM_CUDA_ARG_I64, 0, 0});
        continue;
      }
      if (isa<MemRefType>(operand.getType())) {
        FailureOr<StepArg> arg = resolve(operand, launch);
        if (failed(arg))
          return failure();
        // Kernels read and write 16-byte vectors at multiples of 16 bytes
        // of their buffers (CoarsenElementwise.cpp).
        if (arg->value % 16 != 0)
          return launch.emitError("a kernel buffer ")
                 << arg->value << " bytes into its memory, not a multiple "
                 << "of 16 bytes";
        step.args.push_back(*arg);
        continue;
      }
      std::optional<int64_t> constant = getConstantIntValue(operand);
      unsigned width = operand.getType().isIndex()
                           ? 64
                           : operand.getType().getIntOrFloatBitWidth();
      if (!constant || !operand.getType().isIntOrIndex() ||
          (width != 32 && width != 64))
        return launch.emitError("a kernel parameter that is not a buffer or "
                                "a constant integer");
      StepArg arg;
      arg.kind = width == 32 ? AUTOGLM_CUDA_ARG_I32 : AUTOGLM_CUDA_ARG_I64;
      arg.value = static_cast<uint64_t>(*constant);
      step.args.push_back(arg);
    }
    step.nodes = nodesOf(launch.getLoc());
    table.steps.push_back(std::move(step));
    return success();
  }

  LogicalResult addCopy(memref::CopyOp copy) {
    // --autoglm-cuda-linalg-to-loops left only contiguous copies.
    auto type = cast<MemRefType>(copy.getSource().getType());
    Step step;
    step.kind = AUTOGLM_CUDA_STEP_COPY;
    step.bytes = type.getNumElements() *
                 llvm::divideCeil(type.getElementTypeBitWidth(), 8);
    for (Value buffer : {copy.getTarget(), copy.getSource()}) {
      FailureOr<StepArg> arg = resolve(buffer, copy);
      if (failed(arg))
        return failure();
      // The layout's own offset, which a kernel would apply itself.
      auto strided = cast<MemRefType>(buffer.getType());
      int64_t layoutOffset = 0;
      SmallVector<int64_t> strides;
      if (failed(strided.getStridesAndOffset(strides, layoutOffset)))
        return copy.emitError("a copy of a buffer with an unknown layout");
      arg->value +=
          layoutOffset * llvm::divideCeil(strided.getElementTypeBitWidth(), 8);
      step.args.push_back(*arg);
    }
    step.nodes = nodesOf(copy.getLoc());
    if (step.bytes)
      table.steps.push_back(std::move(step));
    return success();
  }

  /// A gemm operand as cuda_image.h describes it.
  struct Matrix {
    StepArg arg;
    int32_t dtype;
    bool byColumns;
    int64_t ld, batchStride;
  };

  FailureOr<Matrix> matrix(Value buffer, GemmOp gemm) {
    auto type = cast<MemRefType>(buffer.getType());
    FailureOr<StepArg> arg = resolve(buffer, gemm);
    if (failed(arg))
      return failure();
    SmallVector<int64_t> strides;
    int64_t offset = 0;
    if (failed(type.getStridesAndOffset(strides, offset)))
      return gemm.emitError("an operand with an unknown layout");
    int64_t bytes = llvm::divideCeil(type.getElementTypeBitWidth(), 8);
    arg->value += offset * bytes;
    Matrix result{*arg, 0, false, 0, 0};
    result.dtype = onnxDataType(type.getElementType());
    int64_t rank = type.getRank();
    int64_t rows = type.getDimSize(rank - 2), cols = type.getDimSize(rank - 1);
    // autoglm.gemm's verifier: one of the two innermost strides is 1.
    result.byColumns = strides[rank - 1] != 1;
    result.ld = result.byColumns ? strides[rank - 1] : strides[rank - 2];
    // A dimension of one element leaves its stride free; the library wants
    // it at least as long as a row (or column).
    result.ld = std::max(result.ld, result.byColumns ? rows : cols);
    result.batchStride = rank == 3 && type.getDimSize(0) > 1 ? strides[0] : 0;
    return result;
  }

  LogicalResult addGemm(GemmOp gemm) {
    FailureOr<Matrix> a = matrix(gemm.getA(), gemm);
    FailureOr<Matrix> b = matrix(gemm.getB(), gemm);
    FailureOr<Matrix> d = matrix(gemm.getD(), gemm);
    if (failed(a) || failed(b) || failed(d))
      return failure();
    MemRefType dType = gemm.getD().getType();
    int64_t rank = dType.getRank();
    int64_t m = dType.getDimSize(rank - 2), n = dType.getDimSize(rank - 1);
    int64_t k =
        gemm.getA().getType().getDimSize(gemm.getA().getType().getRank() - 1);
    if (d->byColumns) {
      // D stored by columns is Dᵀ = Bᵀ · Aᵀ stored by rows.
      std::swap(*a, *b);
      std::swap(m, n);
      a->byColumns = !a->byColumns;
      b->byColumns = !b->byColumns;
      d->byColumns = false;
    }
    autoglm_cuda_gemm desc = {};
    desc.a_type = a->dtype;
    desc.b_type = b->dtype;
    desc.d_type = d->dtype;
    // An fp8 product's operands are float8 bits in i8 buffers.
    if (gemm.getFloat8Type())
      desc.a_type = desc.b_type = AUTOGLM_FLOAT8E4M3FN;
    desc.alpha = gemm.getAlpha() ? gemm.getAlpha()->convertToFloat() : 1.0f;
    desc.transpose_a = a->byColumns;
    desc.transpose_b = b->byColumns;
    desc.m = m;
    desc.n = n;
    desc.k = k;
    desc.batch = rank == 3 ? dType.getDimSize(0) : 1;
    desc.lda = a->ld;
    desc.ldb = b->ld;
    desc.ldd = d->ld;
    desc.stride_a = a->batchStride;
    desc.stride_b = b->batchStride;
    desc.stride_d = d->batchStride;
    Step step;
    step.kind = AUTOGLM_CUDA_STEP_GEMM;
    step.args = {d->arg, a->arg, b->arg};
    step.gemm = desc;
    step.nodes = nodesOf(gemm.getLoc());
    table.steps.push_back(std::move(step));
    return success();
  }

  LogicalResult addConv(DnnConvOp conv) {
    // autoglm.dnn_conv's verifier: dense buffers of static shape.
    auto x = cast<MemRefType>(conv.getX().getType());
    auto w = cast<MemRefType>(conv.getW().getType());
    auto y = cast<MemRefType>(conv.getInit().getType());
    Step step;
    step.kind = AUTOGLM_CUDA_STEP_CONV;
    // Y, X, W, then the epilogue's bias and residual when it has them.
    for (Value buffer : {conv.getInit(), conv.getX(), conv.getW(),
                         conv.getBias(), conv.getResidual()}) {
      if (!buffer)
        continue;
      FailureOr<StepArg> arg = resolve(buffer, conv);
      if (failed(arg))
        return failure();
      step.args.push_back(*arg);
    }
    autoglm_cuda_conv desc = {};
    desc.type = onnxDataType(x.getElementType());
    desc.relu_upper = std::numeric_limits<float>::infinity();
    if (Value bias = conv.getBias()) {
      desc.epilogue |= AUTOGLM_CUDA_CONV_BIAS;
      desc.bias_type = onnxDataType(getElementTypeOrSelf(bias.getType()));
    }
    if (conv.getResidual())
      desc.epilogue |= AUTOGLM_CUDA_CONV_RESIDUAL;
    if (std::optional<APFloat> upper = conv.getReluUpper()) {
      desc.epilogue |= AUTOGLM_CUDA_CONV_RELU;
      desc.relu_upper = upper->convertToFloat();
    }
    bool channelsLast = conv.getChannelsLast();
    desc.layout =
        channelsLast ? AUTOGLM_CUDA_LAYOUT_NHWC : AUTOGLM_CUDA_LAYOUT_NCHW;
    // Where the channels and the rows are in the op's shapes.
    int64_t channelDim = channelsLast ? 3 : 1, rowDim = channelsLast ? 1 : 2;
    // The verifier's rule, cuDNN's too: w has x's channels / groups.
    desc.groups = static_cast<int32_t>(x.getDimSize(channelDim) /
                                       w.getDimSize(channelDim));
    desc.batch = x.getDimSize(0);
    desc.channels = x.getDimSize(channelDim);
    desc.height = x.getDimSize(rowDim);
    desc.width = x.getDimSize(rowDim + 1);
    desc.filters = w.getDimSize(0);
    desc.kernel_height = w.getDimSize(rowDim);
    desc.kernel_width = w.getDimSize(rowDim + 1);
    desc.out_height = y.getDimSize(rowDim);
    desc.out_width = y.getDimSize(rowDim + 1);
    for (int d = 0; d < 2; ++d) {
      desc.strides[d] = conv.getStrides()[d];
      desc.dilations[d] = conv.getDilations()[d];
      desc.pad_before[d] = conv.getPadBefore()[d];
      desc.pad_after[d] = conv.getPadAfter()[d];
    }
    step.conv = desc;
    step.nodes = nodesOf(conv.getLoc());
    table.steps.push_back(std::move(step));
    return success();
  }

  func::FuncOp main;
  size_t numInputs, numOutputs;
  int64_t weightsArg, workspaceArg;
  StepTable table;
};
} // namespace

FailureOr<StepTable> mlir::autoglm::buildStepTable(func::FuncOp main,
                                                   size_t numInputs,
                                                   size_t numOutputs,
                                                   bool hasWeights,
                                                   bool hasWorkspace) {
  return StepTableBuilder(main, numInputs, numOutputs, hasWeights, hasWorkspace)
      .build();
}
