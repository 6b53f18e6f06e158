//===- AutoGLMOps.cpp - generated op definitions --------------------------===//
//
// The ODS-generated parts of every op. Hand-written verifiers, type
// inference and folders live in the <Family>Ops.cpp file of the op's family.
//
//===----------------------------------------------------------------------===//

#include "autoglm/Dialect/AutoGLM.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"

using namespace mlir;
using namespace mlir::autoglm;

#define GET_OP_CLASSES
#include "autoglm/Dialect/AutoGLMOps.cpp.inc"
