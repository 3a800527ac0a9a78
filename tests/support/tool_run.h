// RunTool: runs the switchboard binary to completion (replay, audit, ...) and captures its output,
// for end-to-end tests of the command-line tools.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace switchboard::testing {

struct ToolRun {
  int exit_code = -1;  // 128 + signal when killed, -1 when it did not finish in time
  std::string out;
  std::string err;
};

// Runs `switchboard <args>` ($SB_BINARY, else the build's own) to completion, killed after
// `timeout`; its stdout and stderr go through files under `scratch_dir`.
ToolRun RunTool(const std::vector<std::string>& args, const std::string& scratch_dir,
                std::chrono::seconds timeout = std::chrono::seconds(120));

}  // namespace switchboard::testing
