//===- TensorConversion.cpp - ONNX tensors and types to MLIR --------------===//

#include "TensorConversion.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SwapByteOrder.h"

#include "onnx/onnx_pb.h"

#include <cstring>

using namespace mlir;

namespace autoglm::importer {
Type convertElementType(int32_t onnxType, MLIRContext *context) {
  Builder b(context);
  switch (onnxType) {
  case onnx::TensorProto::FLOAT:
    return b.getF32Type();
  case onnx::TensorProto::DOUBLE:
    return b.getF64Type();
  case onnx::TensorProto::FLOAT16:
    return b.getF16Type();
  case onnx::TensorProto::BFLOAT16:
    return b.getBF16Type();
  // The float8 types, by number: newer than the protobuf schema we compile
  // against.
  case 17:
    return b.getType<Float8E4M3FNType>();
  case 18:
    return b.getType<Float8E4M3FNUZType>();
  case 19:
    return b.getType<Float8E5M2Type>();
  case 20:
    return b.getType<Float8E5M2FNUZType>();
  // The packed types: ONNX stores two (four) a byte; tensors in the graph
  // and at the model's interface hold one element a byte (unpackedBytes).
  case 21:
    return b.getIntegerType(4, /*isSigned=*/false);
  case 22:
    return b.getIntegerType(4);
  case 23:
    return b.getType<Float4E2M1FNType>();
  case 25:
    return b.getIntegerType(2, /*isSigned=*/false);
  case 26:
    return b.getIntegerType(2);
  case onnx::TensorProto::BOOL:
    return b.getI1Type();
  case onnx::TensorProto::INT8:
    return b.getIntegerType(8);
  case onnx::TensorProto::INT16:
    return b.getIntegerType(16);
  case onnx::TensorProto::INT32:
    return b.getIntegerType(32);
  case onnx::TensorProto::INT64:
    return b.getIntegerType(64);
  case onnx::TensorProto::UINT8:
    return b.getIntegerType(8, /*isSigned=*/false);
  case onnx::TensorProto::UINT16:
    return b.getIntegerType(16, /*isSigned=*/false);
  case onnx::TensorProto::UINT32:
    return b.getIntegerType(32, /*isSigned=*/false);
  case onnx::TensorProto::UINT64:
    return b.getIntegerType(64, /*isSigned=*/false);
  default:
    return nullptr;
  }
}

std::string onnxTypeName(int32_t onnxType) {
  // The names of types newer than the protobuf schema we compile against.
  switch (onnxType) {
  case 17:
    return "float8e4m3fn";
  case 18:
    return "float8e4m3fnuz";
  case 19:
    return "float8e5m2";
  case 20:
    return "float8e5m2fnuz";
  case 21:
    return "uint4";
  case 22:
    return "int4";
  case 23:
    return "float4e2m1";
  case 24:
    return "float8e8m0";
  case 25:
    return "uint2";
  case 26:
    return "int2";
  default:
    break;
  }
  if (onnx::TensorProto::DataType_IsValid(onnxType) && onnxType != 0) {
    std::string name = onnx::TensorProto::DataType_Name(
        static_cast<onnx::TensorProto::DataType>(onnxType));
    for (char &c : name)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return name;
  }
  return "data type " + std::to_string(onnxType);
}

RankedTensorType convertTensorType(const onnx::TypeProto &type,
                                   MLIRContext *context, Location loc,
                                   StringRef what) {
  if (!type.has_tensor_type()) {
    emitError(loc) << what
                   << " is not a tensor (sequences, maps and optionals "
                      "are not supported)";
    return nullptr;
  }
  const onnx::TypeProto::Tensor &tensor = type.tensor_type();
  Type element = convertElementType(tensor.elem_type(), context);
  if (!element) {
    emitError(loc) << what << " has unsupported element type "
                   << onnxTypeName(tensor.elem_type());
    return nullptr;
  }
  if (!tensor.has_shape()) {
    emitError(loc) << what
                   << " has no shape (rank unknown); give it one with "
                      "--input-shape=NAME:DIMS";
    return nullptr;
  }
  SmallVector<int64_t> shape;
  for (auto [i, dim] : llvm::enumerate(tensor.shape().dim())) {
    // An unknown dimension has a dim_param or no value; a negative value
    // (some exporters write -1) is malformed.
    if (dim.has_dim_value() && dim.dim_value() < 0) {
      emitError(loc) << what << " has dimension " << i << " of negative size "
                     << dim.dim_value()
                     << "; give its shape with --input-shape=NAME:DIMS";
      return nullptr;
    }
    shape.push_back(dim.has_dim_value() ? dim.dim_value()
                                        : ShapedType::kDynamic);
  }
  return RankedTensorType::get(shape, element);
}

//===----------------------------------------------------------------------===//
// TensorConverter
//===----------------------------------------------------------------------===//

TensorConverter::TensorConverter(MLIRContext *context, std::string modelDir,
                                 size_t resourceThreshold)
    : context(context), modelDir(std::move(modelDir)),
      resourceThreshold(resourceThreshold) {}

TensorConverter::~TensorConverter() = default;

std::vector<std::string> TensorConverter::getExternalFiles() const {
  std::vector<std::string> paths;
  for (const auto &entry : externalFiles) {
    SmallString<256> path(modelDir);
    llvm::sys::path::append(path, entry.getKey());
    paths.push_back(path.str().str());
  }
  llvm::sort(paths);
  return paths;
}

/// Bytes per element in ONNX's raw encoding (bool takes a byte).
/// The bits of one element of a packed ONNX type (int4, uint4, float4e2m1:
/// 4; int2, uint2: 2), or 0 for the types stored a byte or more each.
static unsigned packedBits(int32_t onnxType) {
  switch (onnxType) {
  case 21:
  case 22:
  case 23:
    return 4;
  case 25:
  case 26:
    return 2;
  default:
    return 0;
  }
}

/// `count` elements of `bits` each, packed from the lowest bits of each byte
/// up, one a byte: sign-extended for the signed integers, the bit pattern
/// in the low bits otherwise (float4e2m1, the unsigned integers).
static std::vector<char> unpackedBytes(ArrayRef<char> packed, int64_t count,
                                       unsigned bits, bool signExtend) {
  std::vector<char> bytes(count);
  unsigned perByte = 8 / bits, mask = (1u << bits) - 1;
  for (int64_t i = 0; i < count; ++i) {
    unsigned byte = static_cast<unsigned char>(packed[i / perByte]);
    unsigned value = (byte >> (bits * (i % perByte))) & mask;
    if (signExtend && (value >> (bits - 1)))
      value |= ~mask;
    bytes[i] = static_cast<char>(value);
  }
  return bytes;
}

static unsigned byteWidth(Type element) {
  return std::max<unsigned>(1, element.getIntOrFloatBitWidth() / 8);
}

/// Resource keys are printed in the IR; keep them to identifier characters.
static std::string blobKey(StringRef tensorName) {
  std::string key = "onnx_";
  for (char c : tensorName)
    key.push_back(std::isalnum(static_cast<unsigned char>(c)) ? c : '_');
  return key;
}

ElementsAttr TensorConverter::fromBytes(RankedTensorType type, StringRef name,
                                        ArrayRef<char> bytes,
                                        std::shared_ptr<const void> owner) {
  Type element = type.getElementType();
  if (element.isInteger(1)) {
    // MLIR packs i1 differently from ONNX's byte per bool.
    SmallVector<bool> values(bytes.size());
    for (auto [i, byte] : llvm::enumerate(bytes))
      values[i] = byte != 0;
    return DenseElementsAttr::get(type, values);
  }
  if (bytes.size() < resourceThreshold || bytes.empty())
    return DenseElementsAttr::getFromRawBuffer(type, bytes);

  // Large tensors become resource blobs over the bytes we already hold (an
  // mmap'd external file or the moved-out raw_data string), without a copy
  // unless the bytes are misaligned for the element type.
  size_t align = byteWidth(element);
  AsmResourceBlob blob;
  if (reinterpret_cast<uintptr_t>(bytes.data()) % align == 0) {
    blob = UnmanagedAsmResourceBlob::allocateWithAlign(
        bytes, align, [owner](void *, size_t, size_t) { (void)owner; });
  } else {
    blob =
        HeapAsmResourceBlob::allocateAndCopyWithAlign(bytes, align,
                                                      /*dataIsMutable=*/false);
  }
  return DenseResourceElementsAttr::get(type, blobKey(name), std::move(blob));
}

std::shared_ptr<llvm::MemoryBuffer>
TensorConverter::openExternalFile(StringRef location, StringRef tensorName,
                                  Location loc) {
  auto fail = [&]() -> InFlightDiagnostic {
    return emitError(loc) << "external data of tensor '" << tensorName
                          << "' in '" << location << "': ";
  };
  if (location.empty()) {
    fail() << "no location given";
    return nullptr;
  }
  // The location is relative to the model's directory and must stay inside
  // it: a model must not read arbitrary files of the machine compiling it.
  if (llvm::sys::path::is_absolute(location) ||
      llvm::sys::path::is_absolute(location, llvm::sys::path::Style::windows)) {
    fail() << "the location is an absolute path; it must be relative to the "
              "model's directory";
    return nullptr;
  }
  for (StringRef component : llvm::make_range(llvm::sys::path::begin(location),
                                              llvm::sys::path::end(location)))
    if (component == "..") {
      fail() << "the location leaves the model's directory ('..')";
      return nullptr;
    }
  auto cached = externalFiles.find(location);
  if (cached != externalFiles.end())
    return cached->second;

  SmallString<256> path(modelDir);
  llvm::sys::path::append(path, location);
  SmallString<256> realDir, realFile;
  if (llvm::sys::fs::real_path(modelDir, realDir) ||
      llvm::sys::fs::real_path(path, realFile)) {
    fail() << "cannot open '" << path << "'";
    return nullptr;
  }
  if (!StringRef(realFile).starts_with(realDir) ||
      realFile.size() <= realDir.size() ||
      !llvm::sys::path::is_separator(realFile[realDir.size()])) {
    fail() << "the file resolves to '" << realFile
           << "', outside the model's directory (symbolic link?)";
    return nullptr;
  }
  auto bufferOr = llvm::MemoryBuffer::getFile(realFile, /*IsText=*/false,
                                              /*RequiresNullTerminator=*/false);
  if (std::error_code error = bufferOr.getError()) {
    fail() << "cannot read '" << realFile << "': " << error.message();
    return nullptr;
  }
  std::shared_ptr<llvm::MemoryBuffer> buffer = std::move(*bufferOr);
  externalFiles[location] = buffer;
  return buffer;
}

/// Re-encodes ONNX's typed repeated fields as raw little-endian bytes of the
/// element type. Returns false when the field holding the data is the wrong
/// one or has the wrong length.
/// memcpy that accepts empty ranges: an empty repeated field has no buffer,
/// and memcpy from a null pointer is undefined even for zero bytes.
static void copyBytes(void *dst, const void *src, size_t size) {
  if (size)
    std::memcpy(dst, src, size);
}

static bool typedFieldsToBytes(const onnx::TensorProto &tensor, Type element,
                               int64_t count, std::vector<char> &bytes,
                               std::string &problem) {
  unsigned width = byteWidth(element);
  bytes.assign(count * width, 0);
  auto expect = [&](int size, StringRef field) {
    if (size == count)
      return true;
    problem = (Twine(field) + " holds " + Twine(size) + " values for " +
               Twine(count) + " elements")
                  .str();
    return false;
  };
  auto store = [&](int64_t i, uint64_t value) {
    std::memcpy(bytes.data() + i * width, &value, width); // little-endian host
  };
  switch (tensor.data_type()) {
  case onnx::TensorProto::FLOAT:
    if (!expect(tensor.float_data_size(), "float_data"))
      return false;
    copyBytes(bytes.data(), tensor.float_data().data(), count * 4);
    return true;
  case onnx::TensorProto::DOUBLE:
    if (!expect(tensor.double_data_size(), "double_data"))
      return false;
    copyBytes(bytes.data(), tensor.double_data().data(), count * 8);
    return true;
  case onnx::TensorProto::INT64:
    if (!expect(tensor.int64_data_size(), "int64_data"))
      return false;
    copyBytes(bytes.data(), tensor.int64_data().data(), count * 8);
    return true;
  case onnx::TensorProto::UINT32:
  case onnx::TensorProto::UINT64:
    if (!expect(tensor.uint64_data_size(), "uint64_data"))
      return false;
    for (int64_t i = 0; i < count; ++i)
      store(i, tensor.uint64_data(i));
    return true;
  case onnx::TensorProto::INT32:
  case onnx::TensorProto::INT16:
  case onnx::TensorProto::INT8:
  case onnx::TensorProto::UINT16:
  case onnx::TensorProto::UINT8:
  case onnx::TensorProto::BOOL:
  case onnx::TensorProto::FLOAT16:
  case onnx::TensorProto::BFLOAT16:
  case 17: // the float8 types
  case 18:
  case 19:
  case 20:
    // int32_data holds the values (or, for 16- and 8-bit floats, the bit
    // patterns) widened to 32 bits; keep the low bytes.
    if (!expect(tensor.int32_data_size(), "int32_data"))
      return false;
    for (int64_t i = 0; i < count; ++i)
      store(i, static_cast<uint32_t>(tensor.int32_data(i)));
    if (tensor.data_type() == onnx::TensorProto::BOOL)
      for (char &c : bytes)
        c = c != 0;
    return true;
  default:
    problem = "no typed field for this element type";
    return false;
  }
}

ElementsAttr TensorConverter::convert(onnx::TensorProto &tensor, Location loc) {
  StringRef name = tensor.name();
  auto fail = [&]() -> InFlightDiagnostic {
    return emitError(loc) << "tensor '" << name << "': ";
  };
  if (!llvm::sys::IsLittleEndianHost) {
    fail() << "big-endian hosts are not supported";
    return nullptr;
  }
  Type element = convertElementType(tensor.data_type(), context);
  if (!element) {
    fail() << "unsupported element type " << onnxTypeName(tensor.data_type());
    return nullptr;
  }
  if (tensor.has_segment()) {
    fail() << "segmented tensors are not supported";
    return nullptr;
  }
  // Element count, guarding against overflow from hostile dims.
  int64_t count = 1;
  for (int64_t dim : tensor.dims()) {
    if (dim < 0) {
      fail() << "negative dimension " << dim;
      return nullptr;
    }
    if (dim != 0 && count > (int64_t(1) << 48) / dim) {
      fail() << "too many elements";
      return nullptr;
    }
    count *= dim;
  }
  auto type = RankedTensorType::get(
      SmallVector<int64_t>(tensor.dims().begin(), tensor.dims().end()),
      element);
  uint64_t expectedBytes = uint64_t(count) * byteWidth(element);
  // Packed types: fewer bytes in the file, one a byte in the graph.
  unsigned bits = packedBits(tensor.data_type());
  if (bits)
    expectedBytes = (uint64_t(count) * bits + 7) / 8;
  auto unpacked = [&](ArrayRef<char> bytes,
                      std::shared_ptr<const void> owner) -> ElementsAttr {
    if (!bits)
      return fromBytes(type, name, bytes, std::move(owner));
    auto own = std::make_shared<std::vector<char>>(unpackedBytes(
        bytes, count, bits,
        element.isSignedInteger() || element.isSignlessInteger()));
    ArrayRef<char> view(own->data(), own->size());
    return fromBytes(type, name, view, own);
  };

  if (tensor.data_location() == onnx::TensorProto::EXTERNAL) {
    std::string location;
    uint64_t offset = 0, length = expectedBytes;
    bool hasLength = false;
    for (const onnx::StringStringEntryProto &entry : tensor.external_data()) {
      const std::string &value = entry.value();
      if (entry.key() == "location") {
        location = value;
        continue;
      }
      if (entry.key() != "offset" && entry.key() != "length")
        continue; // checksum and unknown keys are informational
      unsigned long long number = 0;
      if (StringRef(value).getAsInteger(10, number)) {
        fail() << "external data " << entry.key() << " '" << value
               << "' is not a number";
        return nullptr;
      }
      if (entry.key() == "offset") {
        offset = number;
      } else {
        length = number;
        hasLength = true;
      }
    }
    std::shared_ptr<llvm::MemoryBuffer> file =
        openExternalFile(location, name, loc);
    if (!file)
      return nullptr;
    if (hasLength && length != expectedBytes) {
      fail() << "external data length " << length << " does not match " << count
             << " elements of " << element << " (" << expectedBytes
             << " bytes)";
      return nullptr;
    }
    if (offset > file->getBufferSize() ||
        file->getBufferSize() - offset < expectedBytes) {
      fail() << "external data [" << offset << ", " << offset + expectedBytes
             << ") lies outside '" << location << "' (" << file->getBufferSize()
             << " bytes)";
      return nullptr;
    }
    ArrayRef<char> bytes(file->getBufferStart() + offset, expectedBytes);
    return unpacked(bytes, file);
  }

  if (tensor.has_raw_data()) {
    if (tensor.raw_data().size() != expectedBytes) {
      fail() << "raw_data holds " << tensor.raw_data().size() << " bytes but "
             << count << " elements of " << element << " need "
             << expectedBytes;
      return nullptr;
    }
    // Move the payload out of the proto so that a resource blob can own it.
    auto owned = std::make_shared<std::string>();
    owned->swap(*tensor.mutable_raw_data());
    ArrayRef<char> bytes(owned->data(), owned->size());
    return unpacked(bytes, owned);
  }

  if (bits) {
    // int32_data holds the packed bytes, one a value.
    if (uint64_t(tensor.int32_data_size()) != expectedBytes) {
      fail() << "int32_data holds " << tensor.int32_data_size()
             << " values but " << count << " elements of "
             << onnxTypeName(tensor.data_type()) << " pack into "
             << expectedBytes << " bytes";
      return nullptr;
    }
    std::vector<char> packed(tensor.int32_data().begin(),
                             tensor.int32_data().end());
    return unpacked(packed, nullptr);
  }
  if (tensor.data_type() == onnx::TensorProto::STRING) {
    fail() << "string tensors are not supported";
    return nullptr;
  }
  auto owned = std::make_shared<std::vector<char>>();
  std::string problem;
  if (!typedFieldsToBytes(tensor, element, count, *owned, problem)) {
    fail() << (count > 0 && problem.find(" holds 0 ") != std::string::npos
                   ? std::string("has no data")
                   : problem);
    return nullptr;
  }
  ArrayRef<char> bytes(owned->data(), owned->size());
  return fromBytes(type, name, bytes, owned);
}
} // namespace autoglm::importer
