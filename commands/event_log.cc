// Tenant-to-partition mapping and version checks shared by every EventLog implementation.
#include "commands/event_log.h"

#include <unordered_set>

namespace switchboard::commands {

int PartitionOf(std::string_view tenant_id, int partitions) {
  std::uint64_t h = 14695981039346656037ULL;
  for (unsigned char c : tenant_id) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return static_cast<int>(h % static_cast<std::uint64_t>(partitions));
}

std::optional<LogError> ValidateAppend(const AppendRequest& request) {
  auto invalid = [](std::string message) {
    LogError e;
    e.code = LogError::Code::kInvalid;
    e.message = std::move(message);
    return e;
  };
  if (request.tenant_id.empty()) return invalid("tenant_id is empty");
  if (request.streams.empty()) return invalid("append names no stream");
  std::unordered_set<std::string_view> seen;
  for (const auto& s : request.streams) {
    if (s.stream.empty()) return invalid("stream name is empty");
    if (!seen.insert(s.stream).second) return invalid("stream " + s.stream + " appears twice in one append");
    if (s.expected.kind == ExpectedVersion::Kind::kExact && s.expected.version < 0) {
      return invalid("expected version of " + s.stream + " is negative");
    }
  }
  return std::nullopt;
}

LogError ConflictError(const std::string& stream, std::int64_t actual) {
  LogError e;
  e.code = LogError::Code::kConflict;
  e.stream = stream;
  e.actual_version = actual;
  e.message = "stream " + stream + " is at version " + std::to_string(actual);
  return e;
}

}  // namespace switchboard::commands
