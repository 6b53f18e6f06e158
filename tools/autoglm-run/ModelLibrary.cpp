//===- ModelLibrary.cpp - load a compiled model's shared library ----------===//

#include "ModelLibrary.h"

#include <dlfcn.h>

namespace autoglm::run {
ModelLibrary::~ModelLibrary() {
  if (handle_)
    dlclose(handle_);
}

bool ModelLibrary::load(const std::string &path, std::string &error) {
  // Without a slash dlopen would search the library path, not the current
  // directory, which is never what a user typing a file name means.
  std::string file = path.find('/') == std::string::npos ? "./" + path : path;
  handle_ = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle_) {
    const char *reason = dlerror();
    error = "cannot load model library '" + path +
            "': " + (reason ? reason : "unknown error");
    return false;
  }
  using GetModelFn = const autoglm_model_desc *(*)(void);
  dlerror();
  auto getModel =
      reinterpret_cast<GetModelFn>(dlsym(handle_, "autoglm_get_model"));
  if (!getModel) {
    error = "'" + path +
            "' does not export autoglm_get_model(); is it a model compiled "
            "as a shared library by AutoGLM?";
    return false;
  }
  model_ = getModel();
  if (!model_) {
    error = "autoglm_get_model() in '" + path + "' returned NULL";
    return false;
  }
  return true;
}
} // namespace autoglm::run
