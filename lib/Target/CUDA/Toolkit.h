//===- Toolkit.h - the CUDA toolkit: finding it, assembling PTX -*- C++ -*-===//
//
// Internal to lib/Target/CUDA. ptxas and fatbinary run as programs, as
// MLIR's own NVVM serialization does when it is built without NVIDIA's
// in-process compiler libraries (Debian's is).
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_LIB_TARGET_CUDA_TOOLKIT_H
#define AUTOGLM_LIB_TARGET_CUDA_TOOLKIT_H

#include "mlir/IR/Location.h"
#include "llvm/ADT/SmallVector.h"

#include <string>
#include <vector>

namespace mlir::autoglm {
/// The PTX of one architecture, as gpu-module-to-binary made it.
struct ArchPTX {
  std::string arch; // "sm_90a"
  std::string ptx;
};

/// The toolkit's root: `requested` if given (it must hold bin/ptxas),
/// else $CUDA_HOME, $CUDA_PATH, /usr/local/cuda, then the directory above
/// the ptxas on PATH; empty when there is none, and `whyNot` says what is
/// missing in the user's terms.
std::string findCUDAToolkit(StringRef requested, std::string &whyNot);

/// Assembles each architecture's PTX with ptxas and packs the cubins plus
/// the PTX of the newest architecture (so newer GPUs can still JIT it)
/// into one fatbin, returned as bytes; failure after a diagnostic at `loc`
/// that carries ptxas's own message.
FailureOr<std::vector<char>> buildFatbin(StringRef toolkit,
                                         ArrayRef<ArchPTX> archs, Location loc);
} // namespace mlir::autoglm

#endif // AUTOGLM_LIB_TARGET_CUDA_TOOLKIT_H
