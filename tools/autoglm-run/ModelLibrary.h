//===- ModelLibrary.h - load a compiled model's shared library --*- C++ -*-===//

#ifndef AUTOGLM_RUN_MODELLIBRARY_H
#define AUTOGLM_RUN_MODELLIBRARY_H

#include "autoglm/model_abi.h"

#include <string>

namespace autoglm::run {
/// A dlopen'ed model; the descriptor stays valid while this object lives.
class ModelLibrary {
public:
  ModelLibrary() = default;
  ModelLibrary(const ModelLibrary &) = delete;
  ModelLibrary &operator=(const ModelLibrary &) = delete;
  ~ModelLibrary();

  /// Opens `path` and asks its autoglm_get_model() for the descriptor.
  bool load(const std::string &path, std::string &error);
  const autoglm_model_desc *model() const { return model_; }

private:
  void *handle_ = nullptr;
  const autoglm_model_desc *model_ = nullptr;
};
} // namespace autoglm::run

#endif // AUTOGLM_RUN_MODELLIBRARY_H
