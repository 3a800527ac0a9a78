// ServerProcess: runs the real `switchboard serve` (or `project`) binary ($SB_BINARY) on a free port against a
// given data dir and PostgreSQL database, for end-to-end tests. Stopped (SIGTERM) on destruction.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace switchboard::testing {

struct ServerOptions {
  std::string command = "serve";  // or "project" (no HTTP; ready once it joined its group)
  std::string data_dir;
  std::string pg_url;
  std::string admin_key = "test-admin-key";
  int partitions = 4;
  std::vector<std::string> extra_args;
};

class ServerProcess {
 public:
  // Starts the server and waits (up to 60 s) until it reports its port; throws on failure,
  // with the server's output in the message.
  explicit ServerProcess(ServerOptions options);
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  int port() const { return port_; }  // 0 for `project`
  std::string output() const;        // what the process printed so far
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // SIGTERM and wait; returns the exit status (0 for a clean stop).
  int Stop();
  // SIGKILL: a crash, nothing flushed.
  void Kill();

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::string log_path_;
};

}  // namespace switchboard::testing
