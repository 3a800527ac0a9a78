#include "tests/support/tool_run.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace switchboard::testing {
namespace {

std::string SwitchboardBinary() {
  if (const char* binary = std::getenv("SB_BINARY")) return binary;
  return SB_DEFAULT_BINARY;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

ToolRun RunTool(const std::vector<std::string>& args, const std::string& scratch_dir,
                std::chrono::seconds timeout) {
  static std::atomic<int> runs{0};
  const std::string base = scratch_dir + "/tool-" + std::to_string(runs.fetch_add(1));
  const std::string out_path = base + ".out", err_path = base + ".err";
  std::vector<std::string> argv_storage = {SwitchboardBinary()};
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  const pid_t pid = ::fork();
  if (pid < 0) return {};
  if (pid == 0) {
    FILE* out = std::fopen(out_path.c_str(), "w");
    FILE* err = std::fopen(err_path.c_str(), "w");
    if (out != nullptr) ::dup2(::fileno(out), 1);
    if (err != nullptr) ::dup2(::fileno(err), 2);
    std::vector<char*> argv;
    for (auto& a : argv_storage) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    std::_Exit(127);
  }
  ToolRun run;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  for (;;) {
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      break;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  run.out = ReadFile(out_path);
  run.err = ReadFile(err_path);
  return run;
}


}  // namespace switchboard::testing
