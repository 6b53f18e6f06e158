//===- NpyFile.cpp - numpy's .npy format ----------------------------------===//
//
// The header is a Python dict literal, e.g.
//   {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
// which is parsed just enough for the three keys numpy always writes.
//
//===----------------------------------------------------------------------===//

#include "TensorFile.h"

#include "Float8.h"
#include "PackedTypes.h"

#include <cstring>
#include <fstream>

namespace autoglm::run {
static const char npyMagic[] = "\x93NUMPY";
static constexpr size_t npyMagicSize = 6;

namespace {
struct NpyType {
  const char *code; // descr without the byte-order character
  int32_t dtype;
};
} // namespace

static const NpyType npyTypes[] = {
    {"f4", AUTOGLM_FLOAT32}, {"f8", AUTOGLM_FLOAT64}, {"f2", AUTOGLM_FLOAT16},
    {"i1", AUTOGLM_INT8},    {"i2", AUTOGLM_INT16},   {"i4", AUTOGLM_INT32},
    {"i8", AUTOGLM_INT64},   {"u1", AUTOGLM_UINT8},   {"u2", AUTOGLM_UINT16},
    {"u4", AUTOGLM_UINT32},  {"u8", AUTOGLM_UINT64},  {"b1", AUTOGLM_BOOL},
};

/// The text after `'key':` (spaces skipped), or npos.
static size_t findValue(const std::string &header, const char *key) {
  size_t at = header.find(std::string("'") + key + "'");
  if (at == std::string::npos)
    return at;
  at = header.find(':', at);
  if (at == std::string::npos)
    return at;
  return header.find_first_not_of(' ', at + 1);
}

static bool parseHeader(const std::string &header, int32_t &dtype,
                        std::vector<int64_t> &shape, std::string &error) {
  size_t at = findValue(header, "descr");
  if (at == std::string::npos || header[at] != '\'') {
    error = "the .npy header has no 'descr'";
    return false;
  }
  size_t close = header.find('\'', at + 1);
  if (close == std::string::npos) {
    error = "the .npy header's 'descr' is unterminated";
    return false;
  }
  std::string descr = header.substr(at + 1, close - at - 1);
  if (descr.size() != 3 || !std::strchr("<|=>", descr[0])) {
    error = "unsupported .npy dtype '" + descr + "'";
    return false;
  }
  dtype = 0;
  for (const NpyType &type : npyTypes)
    if (descr.compare(1, 2, type.code) == 0)
      dtype = type.dtype;
  if (!dtype) {
    error = "unsupported .npy dtype '" + descr + "'";
    return false;
  }
  if (descr[0] == '>' && autoglm_dtype_size(dtype) > 1) {
    error = "big-endian .npy data ('" + descr +
            "') is not supported; save with '<' byte order";
    return false;
  }

  at = findValue(header, "fortran_order");
  if (at == std::string::npos) {
    error = "the .npy header has no 'fortran_order'";
    return false;
  }
  if (header.compare(at, 4, "True") == 0) {
    error = "Fortran-ordered .npy data is not supported; save a C-contiguous "
            "array (np.ascontiguousarray)";
    return false;
  }

  at = findValue(header, "shape");
  if (at == std::string::npos || header[at] != '(') {
    error = "the .npy header has no 'shape' tuple";
    return false;
  }
  close = header.find(')', at);
  if (close == std::string::npos) {
    error = "the .npy header's 'shape' is unterminated";
    return false;
  }
  shape.clear();
  const char *cursor = header.c_str() + at + 1;
  const char *end = header.c_str() + close;
  while (cursor < end) {
    while (cursor < end && (*cursor == ' ' || *cursor == ','))
      ++cursor;
    if (cursor == end)
      break;
    char *after = nullptr;
    long long dim = std::strtoll(cursor, &after, 10);
    if (after == cursor || dim < 0) {
      error =
          "malformed .npy shape '" + header.substr(at, close - at + 1) + "'";
      return false;
    }
    shape.push_back(dim);
    cursor = after;
  }
  return true;
}

bool parseNpy(const std::string &bytes, HostTensor &tensor,
              std::string &error) {
  if (bytes.size() < 10 || bytes.compare(0, npyMagicSize, npyMagic) != 0) {
    error = "not a .npy file (bad magic)";
    return false;
  }
  unsigned major = static_cast<unsigned char>(bytes[6]);
  size_t headerLength, headerStart;
  auto byteAt = [&](size_t i) -> size_t {
    return static_cast<unsigned char>(bytes[i]);
  };
  if (major == 1) {
    headerLength = byteAt(8) | byteAt(9) << 8;
    headerStart = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) {
      error = "truncated .npy header";
      return false;
    }
    headerLength =
        byteAt(8) | byteAt(9) << 8 | byteAt(10) << 16 | byteAt(11) << 24;
    headerStart = 12;
  } else {
    error = "unsupported .npy format version " + std::to_string(major);
    return false;
  }
  if (headerLength > bytes.size() - headerStart) {
    error = "truncated .npy header";
    return false;
  }
  int32_t dtype;
  std::vector<int64_t> shape;
  if (!parseHeader(bytes.substr(headerStart, headerLength), dtype, shape,
                   error))
    return false;
  if (!tensor.allocate(dtype, shape)) {
    error = "the .npy shape " + formatShape(shape) + " is too large";
    return false;
  }
  size_t dataStart = headerStart + headerLength;
  size_t available = bytes.size() - dataStart;
  if (available != tensor.byteSize()) {
    error = "the .npy data has " + std::to_string(available) +
            " bytes, its header (" + std::string(autoglm_dtype_name(dtype)) +
            " " + formatShape(shape) + ") says " +
            std::to_string(tensor.byteSize());
    return false;
  }
  std::memcpy(tensor.data(), bytes.data() + dataStart, available);
  return true;
}

static const char *npyDescr(int32_t dtype) {
  switch (dtype) {
  case AUTOGLM_FLOAT32:
    return "<f4";
  case AUTOGLM_FLOAT64:
    return "<f8";
  case AUTOGLM_FLOAT16:
    return "<f2";
  case AUTOGLM_INT8:
    return "|i1";
  case AUTOGLM_INT16:
    return "<i2";
  case AUTOGLM_INT32:
    return "<i4";
  case AUTOGLM_INT64:
    return "<i8";
  case AUTOGLM_UINT8:
    return "|u1";
  case AUTOGLM_UINT16:
    return "<u2";
  case AUTOGLM_UINT32:
    return "<u4";
  case AUTOGLM_UINT64:
    return "<u8";
  case AUTOGLM_BOOL:
    return "|b1";
  default:
    return nullptr;
  }
}

bool writeNpy(const std::string &path, const HostTensor &tensor,
              std::string &error) {
  const HostTensor *source = &tensor;
  HostTensor widened;
  // numpy has no bfloat16, float8, float4 or 4- and 2-bit integers: saved
  // as float32, exactly.
  if (tensor.dtype() == AUTOGLM_BFLOAT16 || isFloat8(tensor.dtype()) ||
      packedBits(tensor.dtype())) {
    if (!widened.allocate(AUTOGLM_FLOAT32, tensor.shape())) {
      error = "out of memory";
      return false;
    }
    for (int64_t i = 0; i < tensor.numElements(); ++i)
      widened.setDouble(i, tensor.getDouble(i));
    source = &widened;
  }
  const char *descr = npyDescr(source->dtype());
  if (!descr) {
    error = std::string("cannot save dtype ") +
            autoglm_dtype_name(source->dtype()) + " as .npy";
    return false;
  }
  std::string shape = "(";
  for (int64_t dim : source->shape())
    shape += std::to_string(dim) + ", ";
  if (source->shape().size() == 1)
    shape.pop_back(); // "(6,)"
  else if (!source->shape().empty())
    shape.resize(shape.size() - 2);
  shape += ")";
  std::string header = std::string("{'descr': '") + descr +
                       "', 'fortran_order': False, 'shape': " + shape + ", }";
  // numpy pads the header with spaces so that the data starts 64-aligned.
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';

  std::ofstream out(path, std::ios::binary);
  if (!out) {
    error = "cannot open '" + path + "' for writing";
    return false;
  }
  out.write(npyMagic, npyMagicSize);
  char version[4] = {1, 0, static_cast<char>(header.size() & 0xff),
                     static_cast<char>(header.size() >> 8)};
  out.write(version, 4);
  out << header;
  out.write(static_cast<const char *>(source->data()),
            static_cast<std::streamsize>(source->byteSize()));
  if (!out.flush()) {
    error = "cannot write '" + path + "'";
    return false;
  }
  return true;
}
} // namespace autoglm::run
