//===- Linker.cpp - archives and shared libraries from an object ----------===//

#include "Linker.h"

#include "HostEmission.h"

#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Object/ArchiveWriter.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
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

LogicalResult mlir::autoglm::createStaticLibrary(StringRef object,
                                                 StringRef memberName,
                                                 StringRef outputPath,
                                                 Location loc) {
  llvm::NewArchiveMember member(llvm::MemoryBufferRef(object, memberName));
  // Deterministic: zero timestamps, owners and groups, mode 0644; the
  // archive format is the object's platform's (GNU for ELF).
  llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>> archive =
      llvm::writeArchiveToBuffer(member, llvm::SymtabWritingMode::NormalSymtab,
                                 member.detectKindFromObject(),
                                 /*Deterministic=*/true, /*Thin=*/false);
  if (!archive)
    return emitError(loc) << "cannot write the static library: "
                          << llvm::toString(archive.takeError());
  return writeOutputFile(outputPath, loc, [&](llvm::raw_pwrite_stream &os) {
    os << (*archive)->getBuffer();
    return success();
  });
}

LogicalResult mlir::autoglm::createSharedLibrary(StringRef objectPath,
                                                 StringRef outputPath,
                                                 StringRef triple,
                                                 Location loc) {
  // The build ID is a hash of the contents (GNU ld, gold and lld alike), not
  // a random or time-based one: the same object links to the same bytes.
  std::vector<std::string> args = {
      "-shared",        "-Wl,--build-id=sha1", "-o",
      outputPath.str(), objectPath.str(),      "-lm"};
  // LLD when there is one: with the weights embedded the object is hundreds
  // of megabytes, which it copies in a fraction of GNU ld's time (BERT-base:
  // 0.3 s of CPU against 1.2 s).
  if (!findTool({"ld.lld"}).empty())
    args.insert(args.begin(), "-fuse-ld=lld");
  // clang links for any target it knows; the host's cc only for the host.
  if (!triple.empty())
    return run({"clang-22", "clang"},
               {"--target=" + triple.str(), "-fuse-ld=lld", "-nostdlib",
                "-shared", "-Wl,--build-id=sha1", "-o", outputPath.str(),
                objectPath.str()},
               loc);
  return run({"clang-22", "clang", "cc", "gcc"}, args, loc);
}
