//===- Toolkit.cpp - the CUDA toolkit: finding it, assembling PTX ---------===//

#include "Toolkit.h"

#include "autoglm/Target/CUDA.h"

#include "../HostEmission.h"

#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::autoglm;

static bool hasPtxas(StringRef root) {
  SmallString<128> path(root);
  llvm::sys::path::append(path, "bin", "ptxas");
  return llvm::sys::fs::can_execute(path);
}

std::string mlir::autoglm::findCUDAToolkit(StringRef requested,
                                           std::string &whyNot) {
  if (!requested.empty()) {
    if (hasPtxas(requested))
      return requested.str();
    whyNot = ("--cuda-path=" + requested +
              " is not a CUDA toolkit (no bin/ptxas in it)")
                 .str();
    return {};
  }
  for (const char *variable : {"CUDA_HOME", "CUDA_PATH"})
    if (std::optional<std::string> root = llvm::sys::Process::GetEnv(variable))
      if (hasPtxas(*root))
        return *root;
  if (hasPtxas("/usr/local/cuda"))
    return "/usr/local/cuda";
  if (llvm::ErrorOr<std::string> ptxas = llvm::sys::findProgramByName("ptxas"))
    return llvm::sys::path::parent_path(llvm::sys::path::parent_path(*ptxas))
        .str();
  whyNot = "--target=cuda needs the CUDA toolkit (ptxas, fatbinary and "
           "libdevice), and none was found in $CUDA_HOME, $CUDA_PATH, "
           "/usr/local/cuda or on PATH; install it or name it with "
           "--cuda-path";
  return {};
}

int mlir::autoglm::computeCapabilityOf(StringRef arch) {
  if (!arch.consume_front("sm_"))
    return 0;
  arch.consume_back("a");
  arch.consume_back("f");
  int value = 0;
  if (arch.empty() || arch.getAsInteger(10, value))
    return 0;
  return value;
}

namespace {
/// Temporary files removed at the end of the scope.
struct TempFiles {
  SmallVector<std::string> paths;
  ~TempFiles() {
    for (const std::string &path : paths)
      llvm::sys::fs::remove(path);
  }
  FailureOr<std::string> create(StringRef suffix, Location loc) {
    SmallString<128> path;
    if (llvm::sys::fs::createTemporaryFile("autoglm-cuda", suffix, path)) {
      emitError(loc) << "cannot create a temporary ." << suffix << " file";
      return failure();
    }
    paths.push_back(path.str().str());
    return paths.back();
  }
};

/// Writes `text` to the temporary file `path`.
LogicalResult writeText(StringRef path, StringRef text, Location loc) {
  return writeOutputFile(path, loc, [&](llvm::raw_pwrite_stream &os) {
    os << text;
    return success();
  });
}

/// Runs `tool` from the toolkit with `args`; its output goes to `log`,
/// which is quoted in the diagnostic when it fails.
LogicalResult runTool(StringRef toolkit, StringRef tool,
                      ArrayRef<std::string> args, StringRef log, Location loc) {
  SmallString<128> program(toolkit);
  llvm::sys::path::append(program, "bin", tool);
  SmallVector<StringRef> argv = {program};
  for (const std::string &arg : args)
    argv.push_back(arg);
  std::optional<StringRef> redirects[] = {std::nullopt, log, log};
  std::string error;
  int status = llvm::sys::ExecuteAndWait(program, argv, std::nullopt, redirects,
                                         0, 0, &error);
  if (status == 0)
    return success();
  InFlightDiagnostic diag = emitError(loc)
                            << tool << " failed (status " << status << ")";
  if (!error.empty())
    diag << ": " << error;
  if (auto output = llvm::MemoryBuffer::getFile(log))
    if (!(*output)->getBuffer().empty())
      diag << "\n" << (*output)->getBuffer().rtrim();
  return failure();
}
} // namespace

FailureOr<std::vector<char>> mlir::autoglm::buildFatbin(StringRef toolkit,
                                                        ArrayRef<ArchPTX> archs,
                                                        Location loc) {
  TempFiles temps;
  FailureOr<std::string> log = temps.create("log", loc);
  FailureOr<std::string> fatbin = temps.create("fatbin", loc);
  if (failed(log) || failed(fatbin))
    return failure();
  std::vector<std::string> images = {"-64", "--create=" + *fatbin};
  // The newest architecture's PTX goes in too, from the file ptxas read.
  int newest = 0;
  std::string newestImage;
  for (const ArchPTX &arch : archs) {
    FailureOr<std::string> ptx = temps.create("ptx", loc);
    FailureOr<std::string> cubin = temps.create("cubin", loc);
    if (failed(ptx) || failed(cubin) ||
        failed(writeText(*ptx, arch.ptx, loc)) ||
        failed(runTool(toolkit, "ptxas",
                       {"-arch=" + arch.arch, "-O3", *ptx, "-o", *cubin}, *log,
                       loc)))
      return failure();
    std::string sm = StringRef(arch.arch).drop_front(3).str();
    images.push_back("--image3=kind=elf,sm=" + sm + ",file=" + *cubin);
    if (computeCapabilityOf(arch.arch) > newest) {
      newest = computeCapabilityOf(arch.arch);
      newestImage = "--image3=kind=ptx,sm=" + sm + ",file=" + *ptx;
    }
  }
  if (!newestImage.empty())
    images.push_back(newestImage);
  if (failed(runTool(toolkit, "fatbinary", images, *log, loc)))
    return failure();
  auto buffer = llvm::MemoryBuffer::getFile(*fatbin, /*IsText=*/false);
  if (!buffer)
    return emitError(loc) << "cannot read the fatbin fatbinary wrote";
  StringRef bytes = (*buffer)->getBuffer();
  return std::vector<char>(bytes.begin(), bytes.end());
}
