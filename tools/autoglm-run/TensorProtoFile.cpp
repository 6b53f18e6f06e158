//===- TensorProtoFile.cpp - ONNX TensorProto files -----------------------===//
//
// The ONNX backend test data stores tensors as serialized TensorProtos,
// usually in raw_data but sometimes in the typed repeated fields.
//
//===----------------------------------------------------------------------===//

#include "TensorFile.h"

#include "Float8.h"
#include "PackedTypes.h"

#include "onnx/onnx_pb.h"

#include <cstring>

namespace autoglm::run {
/// Copies `count` values of a typed repeated field into the tensor,
/// converting through setDouble only where the field type differs.
template <typename Field>
static bool copyTyped(const Field &field, HostTensor &tensor,
                      const char *fieldName, std::string &error) {
  if (field.size() != tensor.numElements()) {
    error = std::string("the TensorProto's ") + fieldName + " has " +
            std::to_string(field.size()) + " values, its dims " +
            formatShape(tensor.shape()) + " need " +
            std::to_string(tensor.numElements());
    return false;
  }
  int32_t dtype = tensor.dtype();
  for (int64_t i = 0; i < tensor.numElements(); ++i) {
    auto value = field.Get(static_cast<int>(i));
    if (dtype == AUTOGLM_FLOAT16 || dtype == AUTOGLM_BFLOAT16) {
      // Stored as their bit patterns in int32_data.
      uint16_t bits = static_cast<uint16_t>(value);
      std::memcpy(static_cast<char *>(tensor.data()) + 2 * i, &bits, 2);
    } else if (isFloat8(dtype)) {
      // So are the float8 types.
      static_cast<uint8_t *>(tensor.data())[i] = static_cast<uint8_t>(value);
    } else if (dtype == AUTOGLM_INT64 || dtype == AUTOGLM_UINT64) {
      // Exact, not through double.
      std::memcpy(static_cast<char *>(tensor.data()) + 8 * i, &value, 8);
    } else {
      tensor.setDouble(i, static_cast<double>(value));
    }
  }
  return true;
}

bool parseTensorProto(const std::string &bytes, HostTensor &tensor,
                      std::string &error) {
  onnx::TensorProto proto;
  if (!proto.ParseFromString(bytes)) {
    error = "cannot parse the file as an ONNX TensorProto";
    return false;
  }
  int32_t dtype = proto.data_type();
  if (dtype == onnx::TensorProto::UNDEFINED) {
    error = "the TensorProto has no data_type (not a tensor file?)";
    return false;
  }
  if (autoglm_dtype_size(dtype) == 0) {
    error = "the TensorProto's data_type " + std::to_string(dtype) +
            " is not supported";
    return false;
  }
  if (proto.data_location() == onnx::TensorProto::EXTERNAL) {
    error = "the TensorProto keeps its data in an external file, which "
            "autoglm-run does not read";
    return false;
  }
  std::vector<int64_t> shape(proto.dims().begin(), proto.dims().end());
  for (int64_t dim : shape)
    if (dim < 0) {
      error = "the TensorProto has a negative dimension " + formatShape(shape);
      return false;
    }
  if (!tensor.allocate(dtype, shape)) {
    error = "the TensorProto's shape " + formatShape(shape) + " is too large";
    return false;
  }
  if (packedBits(dtype)) {
    // Packed two or four a byte, in raw_data or one packed byte per
    // int32_data value; one a byte in memory (PackedTypes.h).
    std::string raw = proto.raw_data();
    if (!proto.has_raw_data())
      for (int32_t byte : proto.int32_data())
        raw.push_back(static_cast<char>(byte));
    size_t expected = packedBytes(dtype, tensor.numElements());
    if (raw.size() != expected) {
      error = std::string("the TensorProto's ") + autoglm_dtype_name(dtype) +
              " data must be " + std::to_string(expected) +
              " packed bytes for its dims " + formatShape(shape) + ", not " +
              std::to_string(raw.size());
      return false;
    }
    unpackElements(dtype, reinterpret_cast<const uint8_t *>(raw.data()),
                   tensor.numElements(), static_cast<uint8_t *>(tensor.data()));
    return true;
  }
  if (proto.has_raw_data()) {
    const std::string &raw = proto.raw_data();
    if (raw.size() != tensor.byteSize()) {
      error = "the TensorProto's raw_data has " + std::to_string(raw.size()) +
              " bytes, its dims " + formatShape(shape) + " and " +
              autoglm_dtype_name(dtype) + " need " +
              std::to_string(tensor.byteSize());
      return false;
    }
    std::memcpy(tensor.data(), raw.data(), raw.size());
    return true;
  }
  switch (dtype) {
  case AUTOGLM_FLOAT32:
    return copyTyped(proto.float_data(), tensor, "float_data", error);
  case AUTOGLM_FLOAT64:
    return copyTyped(proto.double_data(), tensor, "double_data", error);
  case AUTOGLM_INT64:
    return copyTyped(proto.int64_data(), tensor, "int64_data", error);
  case AUTOGLM_UINT32:
  case AUTOGLM_UINT64:
    return copyTyped(proto.uint64_data(), tensor, "uint64_data", error);
  default:
    return copyTyped(proto.int32_data(), tensor, "int32_data", error);
  }
}
} // namespace autoglm::run
