//===- ModelLoader.cpp - read an ONNX model file into a ModelProto --------===//

#include "ModelLoader.h"

#include "mlir/IR/Diagnostics.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include "onnx/defs/parser.h"
#include "onnx/onnx_pb.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

using namespace mlir;

namespace autoglm::importer {
static bool isTextPath(StringRef path) {
  return llvm::sys::path::extension(path) == ".onnxtxt";
}

/// Binary protobuf. Protobuf's default 64 MiB message limit is too small for
/// models with embedded weights; the format itself caps messages at 2 GiB.
static std::unique_ptr<onnx::ModelProto>
parseBinary(const llvm::MemoryBuffer &buffer, Location fileLoc) {
  auto model = std::make_unique<onnx::ModelProto>();
  if (buffer.getBufferSize() >= (size_t(1) << 31)) {
    emitError(fileLoc) << "model file is larger than protobuf's 2 GiB limit; "
                          "store the weights as external data";
    return nullptr;
  }
  google::protobuf::io::ArrayInputStream raw(
      buffer.getBufferStart(), static_cast<int>(buffer.getBufferSize()));
  google::protobuf::io::CodedInputStream coded(&raw);
  coded.SetTotalBytesLimit(INT32_MAX);
  // The ONNX checker is not run: we validate what we use, with diagnostics
  // that name the node, instead of throwing.
  if (!model->ParseFromCodedStream(&coded) || !coded.ConsumedEntireMessage()) {
    emitError(fileLoc)
        << "cannot parse the file as an ONNX model (truncated or "
           "not a binary ONNX protobuf)";
    return nullptr;
  }
  if (!model->has_graph()) {
    emitError(fileLoc) << "not an ONNX model: it has no graph";
    return nullptr;
  }
  return model;
}

/// ONNX textual syntax (`<ir_version: 8, opset_import: ["" : 17]> name (...) =>
/// (...) {...}`).
static std::unique_ptr<onnx::ModelProto>
parseText(const llvm::MemoryBuffer &buffer, Location fileLoc) {
  auto model = std::make_unique<onnx::ModelProto>();
  // The parser needs a NUL-terminated string; MemoryBuffer guarantees one.
  std::string text(buffer.getBufferStart(), buffer.getBufferSize());
  try {
    onnx::OnnxParser parser(text.c_str());
    onnx::Common::Status status = parser.Parse(*model);
    if (!status.IsOK()) {
      emitError(fileLoc) << "cannot parse ONNX text: " << status.ErrorMessage();
      return nullptr;
    }
    if (!parser.EndOfInput()) {
      emitError(fileLoc) << "cannot parse ONNX text: unexpected trailing text "
                            "after the graph";
      return nullptr;
    }
  } catch (const std::exception &e) {
    // The parser converts numbers with std::stoll and friends, which throw.
    emitError(fileLoc) << "cannot parse ONNX text: " << e.what();
    return nullptr;
  }
  return model;
}

std::unique_ptr<onnx::ModelProto> loadModel(StringRef path, Location fileLoc) {
  auto bufferOr = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                              /*RequiresNullTerminator=*/true);
  if (std::error_code error = bufferOr.getError()) {
    emitError(fileLoc) << "cannot open ONNX model '" << path
                       << "': " << error.message();
    return nullptr;
  }
  return isTextPath(path) ? parseText(**bufferOr, fileLoc)
                          : parseBinary(**bufferOr, fileLoc);
}
} // namespace autoglm::importer
