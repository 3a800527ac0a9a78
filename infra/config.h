// Config: the settings of DESIGN.md §6, read from SWITCHBOARD_* environment variables and
// overridden by `--flag value` / `--flag=value` command-line options of the same name.
#pragma once

#include <string>
#include <vector>

#include "domain/result.h"

namespace switchboard::infra {

struct Config {
  int http_port = 8080;
  std::string data_dir = "./var";
  std::string event_log = "rocksdb";  // rocksdb | kafka
  std::string kafka_brokers;
  int kafka_replication = 3;          // replication factor when the topic is created
  std::string node_id;                // names this process to other nodes; empty: <hostname>-<pid>
  int partitions = 8;
  std::string pg_url;                 // empty: the local cluster under data_dir/pg
  std::string admin_key;
  std::string jwt_secret;
  bool dev = false;                   // allows a missing admin key / JWT secret
  int http_threads = 2;
  int worker_threads = 8;
};

struct ConfigError {
  std::string message;
};

// Parses environment then args (args win). Unknown flags and malformed numbers are errors.
Result<Config, ConfigError> LoadConfig(const std::vector<std::string>& args, char** environ_ptr);

// The libpq connection string to use: pg_url, or the cluster `make run` starts under data_dir/pg.
std::string EffectivePgUrl(const Config& config);

// node_id, or <hostname>-<pid>.
std::string EffectiveNodeId(const Config& config);

}  // namespace switchboard::infra
