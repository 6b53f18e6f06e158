//===- Linker.h - archives and shared libraries from an object --*- C++ -*-===//
//
// Internal to lib/Target: wraps the system's archiver and C compiler
// driver, which know the platform's conventions (crt files, libm).
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_LIB_TARGET_LINKER_H
#define AUTOGLM_LIB_TARGET_LINKER_H

#include "mlir/IR/Location.h"
#include "llvm/ADT/StringRef.h"

namespace mlir::autoglm {
/// Packs `objectPath` into the static library `outputPath`.
LogicalResult createStaticLibrary(StringRef objectPath, StringRef outputPath,
                                  Location loc);

/// Links `objectPath` into the shared library `outputPath` (with libm).
LogicalResult createSharedLibrary(StringRef objectPath, StringRef outputPath,
                                  StringRef triple, Location loc);
} // namespace mlir::autoglm

#endif // AUTOGLM_LIB_TARGET_LINKER_H
