// TempDir: a fresh directory under /tmp for one test, removed with everything in it on destruction.
// Thread-safety: immutable after construction; path() may be read from any thread.
#pragma once

#include <string>

namespace switchboard::testing {

class TempDir {
 public:
  // Creates <parent>/<prefix>XXXXXX; aborts the process if that fails (no test can run then).
  explicit TempDir(const std::string& prefix = "switchboard-", const std::string& parent = "/tmp");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // A path inside the directory (not created).
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace switchboard::testing
