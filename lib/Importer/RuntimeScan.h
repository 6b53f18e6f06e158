//===- RuntimeScan.h - a Scan run at run time -------------------*- C++ -*-===//
//
// Internal to the importer: the run-time form of Scan, which
// ControlFlowConverters.cpp chooses when the sequence length is known only
// at run time or is too long to unroll.
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_LIB_IMPORTER_RUNTIMESCAN_H
#define AUTOGLM_LIB_IMPORTER_RUNTIMESCAN_H

#include "mlir/IR/Value.h"
#include "mlir/Support/LLVM.h"

namespace onnx {
class GraphProto;
} // namespace onnx

namespace autoglm::importer {
class NodeContext;

/// How a Scan reads its scan inputs and writes its scan outputs: the
/// attributes' axes (not yet normalized) and directions (1: backward).
struct ScanSpec {
  llvm::SmallVector<int64_t> inputAxes;
  llvm::SmallVector<int64_t> inputReverse;
  llvm::SmallVector<int64_t> outputAxes;
  llvm::SmallVector<int64_t> outputReverse;
};

/// Runs `body` over the scan inputs as an scf.for at run time: one
/// iteration per entry along each input's axis (`inputAxes`, normalized),
/// `length` of them (ShapedType::kDynamic: the size of scan input 0's axis,
/// read at run time). Returns the final states, then the scan outputs.
/// Fails after a diagnostic naming the node.
mlir::FailureOr<llvm::SmallVector<mlir::Value>>
buildRuntimeScan(NodeContext &n, const onnx::GraphProto &body,
                 llvm::ArrayRef<mlir::Value> initialStates,
                 llvm::ArrayRef<mlir::Value> scanInputs,
                 llvm::ArrayRef<int64_t> inputAxes, const ScanSpec &spec,
                 int64_t length);
} // namespace autoglm::importer

#endif // AUTOGLM_LIB_IMPORTER_RUNTIMESCAN_H
