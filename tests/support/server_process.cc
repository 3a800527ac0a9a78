// fork/exec of the switchboard binary with its output in a log file read for the port.
#include "tests/support/server_process.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace switchboard::testing {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

ServerProcess::ServerProcess(ServerOptions options) {
  const char* binary = std::getenv("SB_BINARY");
  if (binary == nullptr) binary = SB_DEFAULT_BINARY;
  log_path_ = options.data_dir + "/server.log." + std::to_string(::getpid()) + "." +
              std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
  std::vector<std::string> args = {binary,       options.command,
                                    "--http-port", "0",
                                    "--data-dir",  options.data_dir,
                                    "--pg-url",    options.pg_url,
                                    "--admin-key", options.admin_key,
                                    "--partitions", std::to_string(options.partitions),
                                    "--worker-threads", "8"};
  for (auto& a : options.extra_args) args.push_back(a);
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    // A test that crashes (ASan abort) runs no destructors: take the server down with it.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    FILE* log = std::fopen(log_path_.c_str(), "w");
    if (log != nullptr) {
      ::dup2(::fileno(log), 1);
      ::dup2(::fileno(log), 2);
    }
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    std::_Exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  const std::string marker = "serving on http://127.0.0.1:";
  while (std::chrono::steady_clock::now() < deadline) {
    const std::string out = ReadFile(log_path_);
    if (options.command == "project" && out.find("joined consumer group") != std::string::npos) return;
    const auto at = out.find(marker);
    if (at != std::string::npos && out.find(')', at) != std::string::npos) {
      port_ = std::atoi(out.c_str() + at + marker.size());
      return;
    }
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("switchboard " + options.command + " exited during start-up:\n" + out);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  Kill();
  throw std::runtime_error("switchboard " + options.command + " did not start within 60 s:\n" + ReadFile(log_path_));
}

std::string ServerProcess::output() const { return ReadFile(log_path_); }

ServerProcess::~ServerProcess() {
  if (pid_ > 0) Stop();
}

int ServerProcess::Stop() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  Kill();
  return -1;
}

void ServerProcess::Kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

}  // namespace switchboard::testing
