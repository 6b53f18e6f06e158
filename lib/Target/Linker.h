//===- Linker.h - archives and shared libraries from an object --*- C++ -*-===//
//
// Internal to lib/Target: static libraries are written in-process (a
// deterministic archive: no timestamps, owners or modes); shared libraries
// are linked by the system's C compiler driver, which knows the platform's
// conventions (crt files, libm).
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_LIB_TARGET_LINKER_H
#define AUTOGLM_LIB_TARGET_LINKER_H

#include "mlir/IR/Location.h"
#include "llvm/ADT/StringRef.h"

namespace mlir::autoglm {
/// Writes the static library `outputPath` holding the object file `object`
/// as the member `memberName`, with a symbol table, deterministically (zero
/// timestamps, owners and modes).
LogicalResult createStaticLibrary(StringRef object, StringRef memberName,
                                  StringRef outputPath, Location loc);

/// Links `objectPath` into the shared library `outputPath` (with libm), with
/// a build ID computed from the contents, so the same object gives the same
/// bytes.
LogicalResult createSharedLibrary(StringRef objectPath, StringRef outputPath,
                                  StringRef triple, Location loc);
} // namespace mlir::autoglm

#endif // AUTOGLM_LIB_TARGET_LINKER_H
