//===- TensorFile.h - read and write tensors as .npy / .pb ------*- C++ -*-===//
//
// .npy is numpy's format (np.save); .pb is a serialized ONNX TensorProto, as
// in the ONNX backend test data (input_0.pb, output_0.pb). Every reader
// reports a malformed file as an error message, never by crashing.
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_RUN_TENSORFILE_H
#define AUTOGLM_RUN_TENSORFILE_H

#include "HostTensor.h"

#include <string>

namespace autoglm::run {
/// Reads the whole file into `contents`.
bool readFile(const std::string &path, std::string &contents,
              std::string &error);

/// Parses .npy bytes (format versions 1-3, little-endian, C order).
bool parseNpy(const std::string &bytes, HostTensor &tensor, std::string &error);
/// Writes `tensor` as .npy (version 1.0); bfloat16 is widened to float32,
/// which numpy has no type for.
bool writeNpy(const std::string &path, const HostTensor &tensor,
              std::string &error);

/// Parses a serialized onnx.TensorProto (raw_data or typed fields).
bool parseTensorProto(const std::string &bytes, HostTensor &tensor,
                      std::string &error);

/// Reads `path` as .npy when it ends in ".npy", else as a TensorProto.
/// Errors are prefixed with the path.
bool readTensorFile(const std::string &path, HostTensor &tensor,
                    std::string &error);
} // namespace autoglm::run

#endif // AUTOGLM_RUN_TENSORFILE_H
