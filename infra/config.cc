// Parsing of SWITCHBOARD_* variables and --flags into Config.
#include "infra/config.h"

#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <functional>
#include <string_view>

namespace switchboard::infra {
namespace {

Result<int, ConfigError> ParseInt(const std::string& name, const std::string& value, int min, int max) {
  int out = 0;
  const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), out);
  if (ec != std::errc() || ptr != value.data() + value.size() || out < min || out > max) {
    return MakeErr(ConfigError{name + " must be an integer in " + std::to_string(min) + ".." + std::to_string(max) +
                               ", got '" + value + "'"});
  }
  return out;
}

using Setter = std::function<Result<void, ConfigError>(Config&, const std::string&)>;

Setter IntSetter(int Config::*field, const char* name, int min, int max) {
  return [=](Config& c, const std::string& v) -> Result<void, ConfigError> {
    auto parsed = ParseInt(name, v, min, max);
    if (!parsed) return MakeErr(parsed.error());
    c.*field = *parsed;
    return {};
  };
}

Setter StringSetter(std::string Config::*field) {
  return [=](Config& c, const std::string& v) -> Result<void, ConfigError> {
    c.*field = v;
    return {};
  };
}

// Keyed by the flag name; the variable is SWITCHBOARD_ + upper-case with '-' as '_'.
const std::map<std::string, Setter>& Setters() {
  static const std::map<std::string, Setter> setters = {
      {"http-port", IntSetter(&Config::http_port, "http-port", 0, 65535)},
      {"data-dir", StringSetter(&Config::data_dir)},
      {"event-log",
       [](Config& c, const std::string& v) -> Result<void, ConfigError> {
         if (v != "rocksdb" && v != "kafka") return MakeErr(ConfigError{"event-log must be rocksdb or kafka"});
         c.event_log = v;
         return {};
       }},
      {"kafka-brokers", StringSetter(&Config::kafka_brokers)},
      {"kafka-replication", IntSetter(&Config::kafka_replication, "kafka-replication", 1, 16)},
      {"node-id", StringSetter(&Config::node_id)},
      {"partitions", IntSetter(&Config::partitions, "partitions", 1, 1024)},
      {"pg-url", StringSetter(&Config::pg_url)},
      {"admin-key", StringSetter(&Config::admin_key)},
      {"jwt-secret", StringSetter(&Config::jwt_secret)},
      {"http-threads", IntSetter(&Config::http_threads, "http-threads", 1, 64)},
      {"worker-threads", IntSetter(&Config::worker_threads, "worker-threads", 1, 256)},
      {"dev",
       [](Config& c, const std::string& v) -> Result<void, ConfigError> {
         c.dev = v.empty() || v == "1" || v == "true";
         return {};
       }},
  };
  return setters;
}

std::string VariableName(const std::string& flag) {
  std::string out = "SWITCHBOARD_";
  for (char ch : flag) out += ch == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return out;
}

}  // namespace

Result<Config, ConfigError> LoadConfig(const std::vector<std::string>& args, char** environ_ptr) {
  Config config;
  std::map<std::string, std::string> env;
  for (char** e = environ_ptr; e != nullptr && *e != nullptr; ++e) {
    std::string_view kv(*e);
    const auto eq = kv.find('=');
    if (eq != std::string_view::npos) env[std::string(kv.substr(0, eq))] = std::string(kv.substr(eq + 1));
  }
  for (const auto& [flag, set] : Setters()) {
    const auto it = env.find(VariableName(flag));
    if (it == env.end()) continue;
    if (auto r = set(config, it->second); !r) return MakeErr(r.error());
  }
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg.rfind("--", 0) != 0) return MakeErr(ConfigError{"unexpected argument '" + arg + "'"});
    std::string name = arg.substr(2);
    std::string value;
    const auto eq = name.find('=');
    if (eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
    } else if (name != "dev") {
      if (i + 1 >= args.size()) return MakeErr(ConfigError{"--" + name + " needs a value"});
      value = args[++i];
    }
    const auto it = Setters().find(name);
    if (it == Setters().end()) return MakeErr(ConfigError{"unknown option --" + name});
    if (auto r = it->second(config, value); !r) return MakeErr(r.error());
  }
  return config;
}

std::string EffectivePgUrl(const Config& config) {
  if (!config.pg_url.empty()) return config.pg_url;
  return "host=" + config.data_dir + "/pg port=54329 user=postgres dbname=postgres";
}

std::string EffectiveNodeId(const Config& config) {
  if (!config.node_id.empty()) return config.node_id;
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) std::snprintf(host, sizeof host, "node");
  return std::string(host) + "-" + std::to_string(::getpid());
}

}  // namespace switchboard::infra
