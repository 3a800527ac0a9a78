// Tenant-to-partition mapping and version checks shared by every EventLog implementation.
#include "commands/event_log.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <unordered_set>

#include <nlohmann/json.hpp>

namespace switchboard::commands {

int PartitionOf(std::string_view tenant_id, int partitions) {
  std::uint64_t h = 14695981039346656037ULL;
  for (unsigned char c : tenant_id) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return static_cast<int>(h % static_cast<std::uint64_t>(partitions));
}

Result<void, LogError> ForEachEvent(EventLog& log, int partition, std::int64_t from_offset,
                                    const std::function<void(const RecordedEvent&)>& visit,
                                    std::chrono::milliseconds stall_limit) {
  auto end = log.EndOffset(partition);
  if (!end) return MakeErr(std::move(end).error());
  auto subscription = log.Subscribe(partition, from_offset);
  auto last_progress = std::chrono::steady_clock::now();
  std::int64_t position = subscription->Position();
  while (position < *end) {
    auto batch = subscription->Next(1000, std::chrono::milliseconds(200));
    if (!batch) return MakeErr(std::move(batch).error());
    for (const RecordedEvent& e : *batch) {
      if (e.offset < *end) visit(e);
    }
    const std::int64_t now_at = subscription->Position();
    if (now_at > position) {
      position = now_at;
      last_progress = std::chrono::steady_clock::now();
    } else if (std::chrono::steady_clock::now() - last_progress > stall_limit) {
      LogError e;
      e.code = LogError::Code::kUnavailable;
      e.message = "reading partition " + std::to_string(partition) + " made no progress at offset " +
                  std::to_string(position) + " (end " + std::to_string(*end) + ")";
      return MakeErr(std::move(e));
    }
  }
  return {};
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

std::string EncodeAppendResult(const AppendResult& r) {
  return nlohmann::json{{"partition", r.partition},
                        {"first_offset", r.first_offset},
                        {"last_offset", r.last_offset},
                        {"stream_versions", r.stream_versions}}
      .dump();
}

AppendResult DecodeAppendResult(std::string_view bytes) {
  const auto j = nlohmann::json::parse(bytes);
  AppendResult r;
  r.partition = j.at("partition").get<int>();
  r.first_offset = j.at("first_offset").get<std::int64_t>();
  r.last_offset = j.at("last_offset").get<std::int64_t>();
  r.stream_versions = j.at("stream_versions").get<std::vector<std::int64_t>>();
  return r;
}

std::string NowRfc3339Millis() {
  const auto now = std::chrono::system_clock::now();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];  // larger than needed: the compiler cannot bound tm's fields
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return buf;
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
