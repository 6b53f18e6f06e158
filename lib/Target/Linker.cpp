//===- Linker.cpp - archives and shared libraries from an object ----------===//

#include "Linker.h"

#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Program.h"

using namespace mlir;

/// The first of `names` found on PATH; empty when none is.
static std::string findTool(ArrayRef<StringRef> names) {
  for (StringRef name : names)
    if (llvm::ErrorOr<std::string> path = llvm::sys::findProgramByName(name))
      return *path;
  return {};
}

static LogicalResult run(ArrayRef<StringRef> names, ArrayRef<std::string> args,
                         Location loc) {
  std::string tool = findTool(names);
  if (tool.empty())
    return emitError(loc) << "no " << names.front()
                          << " found on PATH (needed to write this output)";
  SmallVector<StringRef> argv = {tool};
  for (const std::string &arg : args)
    argv.push_back(arg);
  std::string error;
  int status =
      llvm::sys::ExecuteAndWait(tool, argv, std::nullopt, {}, 0, 0, &error);
  if (status != 0)
    return emitError(loc) << tool << " failed (status " << status << ")"
                          << (error.empty() ? "" : ": ") << error;
  return success();
}

LogicalResult mlir::autoglm::createStaticLibrary(StringRef objectPath,
                                                 StringRef outputPath,
                                                 Location loc) {
  llvm::sys::fs::remove(outputPath);
  return run({"llvm-ar-22", "llvm-ar", "ar"},
             {"rcs", outputPath.str(), objectPath.str()}, loc);
}

LogicalResult mlir::autoglm::createSharedLibrary(StringRef objectPath,
                                                 StringRef outputPath,
                                                 StringRef triple,
                                                 Location loc) {
  std::vector<std::string> args = {"-shared", "-o", outputPath.str(),
                                   objectPath.str(), "-lm"};
  // clang links for any target it knows; the host's cc only for the host.
  if (!triple.empty())
    return run({"clang-22", "clang"},
               {"--target=" + triple.str(), "-fuse-ld=lld", "-nostdlib",
                "-shared", "-o", outputPath.str(), objectPath.str()},
               loc);
  return run({"clang-22", "clang", "cc", "gcc"}, args, loc);
}
