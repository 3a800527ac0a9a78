// The load / decide / append / retry loop and snapshot bookkeeping.
#include "commands/command_pipeline.h"

#include <random>
#include <thread>

#include "domain/values.h"

namespace switchboard::commands {
namespace {

std::string SnapshotKey(const std::string& tenant_id, const std::string& stream) {
  return "snapshot/" + tenant_id + "/" + stream;
}

}  // namespace

NewEvent CommandPipeline::Envelope(const CommandContext& context, std::string type, int schema_version,
                                   nlohmann::json data) const {
  NewEvent e;
  e.event_id = NewUuid();
  e.type = std::move(type);
  e.schema_version = schema_version;
  e.data = std::move(data);
  e.occurred_at = domain::FormatTime(clock_.Now());
  e.actor = context.actor;
  e.correlation_id = context.correlation_id;
  return e;
}

Result<std::optional<std::pair<std::int64_t, nlohmann::json>>, CommandError> CommandPipeline::LoadSnapshot(
    const std::string& tenant_id, const std::string& stream) {
  using Out = std::optional<std::pair<std::int64_t, nlohmann::json>>;
  if (snapshots_ == nullptr) return Out{};
  auto stored = snapshots_->Get(SnapshotKey(tenant_id, stream));
  if (!stored) return MakeErr(Unavailable("state store: " + stored.error().message));
  if (!*stored) return Out{};
  auto parsed = nlohmann::json::parse(**stored, nullptr, false);
  if (parsed.is_discarded() || !parsed.contains("version") || !parsed.contains("state")) return Out{};
  return Out{std::pair{parsed["version"].get<std::int64_t>(), parsed["state"]}};
}

Result<std::vector<RecordedEvent>, CommandError> CommandPipeline::ReadAfter(const std::string& tenant_id,
                                                                            const std::string& stream,
                                                                            std::int64_t from_version) {
  constexpr std::size_t kPage = 1000;
  std::vector<RecordedEvent> all;
  for (;;) {
    auto page = log_.ReadStream(tenant_id, stream, from_version, kPage);
    if (!page) return MakeErr(Unavailable("event log: " + page.error().message));
    const std::size_t n = page->size();
    for (auto& e : *page) all.push_back(std::move(e));
    if (n < kPage) return all;
    from_version = all.back().stream_version + 1;
  }
}

std::mutex& CommandPipeline::AggregateLock(const std::string& tenant_id, const std::string& stream) {
  const auto h = std::hash<std::string>{}(tenant_id) ^ (std::hash<std::string>{}(stream) * 31);
  return aggregate_locks_[h % aggregate_locks_.size()];
}

Result<CommandOutcome, CommandError> CommandPipeline::Run(const CommandContext& context,
                                                          const std::string& aggregate_stream,
                                                          const std::function<Result<Plan, CommandError>()>& attempt) {
  std::lock_guard aggregate_lock(AggregateLock(context.tenant_id, aggregate_stream));
  thread_local std::mt19937 jitter(std::random_device{}());
  for (int i = 0; i < max_attempts_; ++i) {
    if (i > 0) {
      // Another writer touched one of our streams: back off a little, growing, with jitter.
      const int ceiling_us = std::min(200 << std::min(i, 6), 20'000);
      std::this_thread::sleep_for(std::chrono::microseconds(std::uniform_int_distribution<int>(0, ceiling_us)(jitter)));
    }
    auto plan = attempt();
    if (!plan) return MakeErr(plan.error());
    CommandOutcome outcome;
    outcome.id = plan->id;
    outcome.partition = PartitionOf(context.tenant_id, log_.Partitions());
    bool any_event = false;
    for (const auto& s : plan->streams) any_event = any_event || !s.append.events.empty();
    if (!any_event) return outcome;

    AppendRequest request;
    request.tenant_id = context.tenant_id;
    request.idempotency_key = context.idempotency_key;
    for (const auto& s : plan->streams) request.streams.push_back(s.append);
    auto appended = log_.Append(request);
    if (!appended) {
      if (appended.error().code == LogError::Code::kConflict) continue;
      if (appended.error().code == LogError::Code::kInvalid) {
        return MakeErr(Rejected(domain::Rejection{domain::Rejection::Code::kInvalid, "", appended.error().message, ""}));
      }
      return MakeErr(Unavailable("event log: " + appended.error().message));
    }
    outcome.partition = appended->partition;
    outcome.position = appended->last_offset;
    if (snapshots_ != nullptr && !appended->duplicate) {
      for (std::size_t s = 0; s < plan->streams.size() && s < appended->stream_versions.size(); ++s) {
        if (!plan->streams[s].snapshot) continue;
        nlohmann::json record = {{"version", appended->stream_versions[s]}, {"state", *plan->streams[s].snapshot}};
        // A lost snapshot costs only a longer replay next time, so a failed write is not an error.
        (void)snapshots_->Put(SnapshotKey(context.tenant_id, plan->streams[s].append.stream), record.dump());
      }
    }
    return outcome;
  }
  return MakeErr(CommandError{CommandError::Kind::kConcurrency, {},
                              "the aggregate kept changing concurrently; retry the request"});
}

}  // namespace switchboard::commands
