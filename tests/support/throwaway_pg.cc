// ThrowawayPg: start/stop through infra/scripts/pg-cluster.sh; the stop path is async-signal-safe
// (fork/exec of static buffers), so the same code serves the destructor and the signal handler.
#include "tests/support/throwaway_pg.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace switchboard::testing {
namespace {

// What the signal handler needs, in static storage (no allocation in a handler).
char g_script[4096];
char g_state[4096];

void StopCluster() {
  if (g_state[0] == '\0') return;
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int null = ::open("/dev/null", O_WRONLY);
    if (null >= 0) {
      ::dup2(null, 1);
      ::dup2(null, 2);
    }
    char bash[] = "/bin/bash";
    char stop[] = "test-stop";
    char* argv[] = {bash, g_script, stop, g_state, nullptr};
    ::execv(bash, argv);
    ::_exit(127);
  }
  if (pid > 0) ::waitpid(pid, nullptr, 0);
  ::rmdir(g_state);  // test-stop removes what it created inside; the directory itself is ours
  g_state[0] = '\0';
}

void OnFatalSignal(int sig) {
  StopCluster();
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

}  // namespace

void ThrowawayPg::StopFromSignalHandler() { StopCluster(); }

std::string ThrowawayPg::SourceDir() {
  if (const char* s = std::getenv("SB_SOURCE_DIR"); s != nullptr && *s != '\0') return s;
  return std::filesystem::path(__FILE__).parent_path().parent_path().parent_path().string();
}

ThrowawayPg::ThrowawayPg(const std::string& prefix) {
  if (const char* u = std::getenv("SB_BENCH_PG_URL"); u != nullptr && *u != '\0') {
    url_ = u;
    return;
  }
  if (g_state[0] != '\0') throw std::runtime_error("ThrowawayPg: a cluster is already running in this process");
  const std::string script = SourceDir() + "/infra/scripts/pg-cluster.sh";
  std::string dir = (std::filesystem::temp_directory_path() / (prefix + "XXXXXX")).string();
  if (::mkdtemp(dir.data()) == nullptr) throw std::runtime_error("ThrowawayPg: mkdtemp failed");
  std::snprintf(g_script, sizeof g_script, "%s", script.c_str());
  std::snprintf(g_state, sizeof g_state, "%s", dir.c_str());
  state_dir_ = dir;
  // Installed before the start, so a Ctrl-C during initdb still cleans up.
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGSEGV, SIGABRT, SIGBUS, SIGFPE}) ::signal(sig, OnFatalSignal);
  if (std::system((script + " test-start " + dir + " >/dev/null").c_str()) != 0) {
    StopCluster();
    state_dir_.clear();
    throw std::runtime_error("could not start a PostgreSQL cluster with " + script);
  }
  std::ifstream in(dir + "/url");
  std::getline(in, url_);
  if (url_.empty()) {
    StopCluster();
    state_dir_.clear();
    throw std::runtime_error("ThrowawayPg: " + script + " wrote no url");
  }
}

ThrowawayPg::~ThrowawayPg() {
  if (state_dir_.empty()) return;
  StopCluster();
  std::filesystem::remove_all(state_dir_);
}

}  // namespace switchboard::testing
