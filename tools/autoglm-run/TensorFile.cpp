//===- TensorFile.cpp - choose the reader by file name --------------------===//

#include "TensorFile.h"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace autoglm::run {
bool readFile(const std::string &path, std::string &contents,
              std::string &error) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error = "cannot open '" + path + "': " + std::strerror(errno);
    return false;
  }
  struct stat info;
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    ::close(fd);
    error = "'" + path + "' is not a regular file";
    return false;
  }
  contents.resize(static_cast<size_t>(info.st_size));
  size_t done = 0;
  while (done < contents.size()) {
    ssize_t got = ::read(fd, &contents[done], contents.size() - done);
    if (got < 0 && errno == EINTR)
      continue;
    if (got <= 0) {
      ::close(fd);
      error = "cannot read '" + path + "'";
      return false;
    }
    done += static_cast<size_t>(got);
  }
  ::close(fd);
  return true;
}

static bool endsWith(const std::string &text, const char *suffix) {
  size_t length = std::strlen(suffix);
  return text.size() >= length &&
         text.compare(text.size() - length, length, suffix) == 0;
}

bool readTensorFile(const std::string &path, HostTensor &tensor,
                    std::string &error) {
  std::string bytes;
  if (!readFile(path, bytes, error))
    return false;
  bool ok = endsWith(path, ".npy") ? parseNpy(bytes, tensor, error)
                                   : parseTensorProto(bytes, tensor, error);
  if (!ok)
    error = "'" + path + "': " + error;
  return ok;
}
} // namespace autoglm::run
