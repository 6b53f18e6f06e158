//===- Subgraph.h - importing the bodies of If, Loop and Scan ---*- C++ -*-===//
//
// Internal to the importer. A control-flow node carries its bodies as
// GraphProto attributes; the converters import a body where the node stands,
// as many times as it runs (once for a branch, once per iteration of an
// unrolled loop), or once into the region of an scf op that runs it at run
// time. A body reads the values of enclosing graphs by name, as
// ONNX allows; the names it defines shadow outer ones only while it is
// imported.
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_LIB_IMPORTER_SUBGRAPH_H
#define AUTOGLM_LIB_IMPORTER_SUBGRAPH_H

#include "KnownInts.h"

#include "mlir/IR/Value.h"
#include "mlir/Support/LLVM.h"

#include <optional>

namespace onnx {
class GraphProto;
} // namespace onnx

namespace autoglm::importer {
class NodeContext;

/// A value passed into or out of a subgraph, with its integer values where
/// known at import time (a loop's iteration number, a folded condition).
struct ScopedValue {
  mlir::Value value;
  std::optional<KnownInts> known;
};

/// Imports `graph`, a subgraph attribute of `owner`'s node, at the current
/// insertion point: binds its inputs to `inputs` (as many as it declares),
/// its initializers to constants, converts its nodes and returns its
/// outputs in order. Its nodes are located at "<owner's name>/<node name>".
/// Fails after a diagnostic.
mlir::FailureOr<llvm::SmallVector<ScopedValue>>
importSubgraph(NodeContext &owner, const onnx::GraphProto &graph,
               llvm::ArrayRef<ScopedValue> inputs);
} // namespace autoglm::importer

#endif // AUTOGLM_LIB_IMPORTER_SUBGRAPH_H
