// switchboard: the command-line entry point.
//   serve      API, command handling and projections in one process (DESIGN.md §6)
//   migrate    apply database migrations and create missing read-model schemas, then exit
//   replay     rebuild a projection blue/green (--projection NAME), showing progress
//   audit      print a tenant's events as JSON lines (--tenant ID [--stream NAME])
//   project    projection workers alone, sharing partitions through a consumer group (Kafka log)
#include <signal.h>

#include <cstdio>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "infra/application.h"
#include "infra/cli_commands.h"
#include "infra/config.h"

extern char** environ;

namespace {

constexpr const char* kUsage =
    "usage: switchboard serve|migrate|replay|audit|project [--flag value ...]\n"
    "  common flags (or SWITCHBOARD_* variables): --http-port --data-dir --event-log --kafka-brokers\n"
    "    --kafka-replication --node-id\n"
    "    --partitions --pg-url --admin-key --jwt-secret --http-threads --worker-threads --dev\n"
    "  replay: --projection NAME      audit: --tenant ID [--stream NAME]\n";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "help") {
    std::cerr << kUsage;
    return argc < 2 ? 2 : 0;
  }
  const std::string command = argv[1];
  // Sub-command options are taken out before the shared configuration is parsed.
  std::map<std::string, std::string> options;
  std::vector<std::string> rest;
  for (int i = 2; i < argc; ++i) {
    std::string arg = argv[i];
    for (const char* name : {"--projection", "--tenant", "--stream"}) {
      if (arg == name && i + 1 < argc) {
        options[name + 2] = argv[++i];
        arg.clear();
        break;
      }
      if (arg.rfind(std::string(name) + "=", 0) == 0) {
        options[name + 2] = arg.substr(std::string(name).size() + 1);
        arg.clear();
        break;
      }
    }
    if (!arg.empty()) rest.push_back(arg);
  }
  auto config = switchboard::infra::LoadConfig(rest, environ);
  if (!config) {
    std::cerr << "switchboard: " << config.error().message << "\n" << kUsage;
    return 2;
  }
  switchboard::infra::Normalize(*config);

  if (command == "serve") return switchboard::infra::RunServe(*config);
  if (command == "migrate") return switchboard::infra::RunMigrate(*config);
  if (command == "replay") return switchboard::infra::RunReplay(*config, options["projection"]);
  if (command == "audit") return switchboard::infra::RunAudit(*config, options["tenant"], options["stream"]);
  if (command == "project") return switchboard::infra::RunProject(*config);
  std::cerr << "switchboard: unknown command '" << command << "'\n" << kUsage;
  return 2;
}
