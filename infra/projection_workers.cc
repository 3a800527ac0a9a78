#include "infra/projection_workers.h"

#include <algorithm>
#include <iostream>
#include <numeric>
#include <thread>

namespace switchboard::infra {

ProjectionWorkers::ProjectionWorkers(commands::EventLog& log, projections::SqlPool& pool,
                                     std::vector<projections::Projection*> projections,
                                     projections::EngineOptions options)
    : log_(log), pool_(pool), projections_(std::move(projections)), options_(std::move(options)) {
  names_array_ = "{";
  for (std::size_t i = 0; i < projections_.size(); ++i) {
    names_array_ += (i ? "," : "") + std::string(projections_[i]->Name());
  }
  names_array_ += "}";
}

ProjectionWorkers::~ProjectionWorkers() { Stop(Running()); }

Result<void, projections::SqlError> ProjectionWorkers::Run(const std::vector<int>& partitions) {
  std::optional<projections::SqlError> first_error;
  for (int partition : partitions) {
    {
      std::lock_guard lock(mu_);
      if (engines_.count(partition)) continue;
    }
    projections::EngineOptions options = options_;
    options.partitions = {partition};
    auto engine = std::make_shared<projections::ProjectionEngine>(log_, pool_, projections_, options);
    if (auto started = engine->Start(); !started) {
      if (!first_error) first_error = std::move(started).error();
      continue;
    }
    std::lock_guard lock(mu_);
    engines_[partition] = std::move(engine);
  }
  if (first_error) return MakeErr(std::move(*first_error));
  return {};
}

void ProjectionWorkers::Stop(const std::vector<int>& partitions) {
  std::vector<std::shared_ptr<projections::ProjectionEngine>> stopping;
  {
    std::lock_guard lock(mu_);
    for (int partition : partitions) {
      if (auto it = engines_.find(partition); it != engines_.end()) {
        stopping.push_back(std::move(it->second));
        engines_.erase(it);
      }
    }
  }
  for (auto& engine : stopping) engine->Stop();
}

std::vector<int> ProjectionWorkers::Running() const {
  std::lock_guard lock(mu_);
  std::vector<int> out;
  for (const auto& [partition, engine] : engines_) out.push_back(partition);
  return out;
}

bool ProjectionWorkers::WaitFor(int partition, std::int64_t offset, std::chrono::milliseconds timeout) const {
  if (partition < 0 || partition >= log_.Partitions()) return false;
  std::shared_ptr<projections::ProjectionEngine> engine;
  {
    std::lock_guard lock(mu_);
    if (auto it = engines_.find(partition); it != engines_.end()) engine = it->second;
  }
  if (engine) return engine->WaitFor(partition, offset, timeout);
  // Another process runs this partition: its commits show in the checkpoints.
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto pause = std::chrono::milliseconds(2);
  for (;;) {
    if (CheckpointsReached(partition, offset)) return true;
    if (std::chrono::steady_clock::now() + pause > deadline) return false;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(25));
  }
}

bool ProjectionWorkers::CheckpointsReached(int partition, std::int64_t offset) const {
  auto lease = pool_.Acquire(std::chrono::milliseconds(500));
  if (!lease.ok()) return false;
  auto rows = (***lease).Exec(
      "SELECT count(*) FROM projection_checkpoints"
      " WHERE partition = $1 AND projection = ANY($2::text[]) AND next_offset > $3",
      {std::to_string(partition), names_array_, std::to_string(offset)});
  return rows.ok() && !rows->rows.empty() && rows->rows[0][0] &&
         std::stoul(*rows->rows[0][0]) == projections_.size();
}

std::vector<projections::LagSample> ProjectionWorkers::Lag() const {
  std::vector<std::shared_ptr<projections::ProjectionEngine>> engines;
  {
    std::lock_guard lock(mu_);
    for (const auto& [partition, engine] : engines_) engines.push_back(engine);
  }
  std::vector<projections::LagSample> out;
  std::vector<bool> local(static_cast<std::size_t>(log_.Partitions()), false);
  for (const auto& engine : engines) {
    for (auto& sample : engine->Lag()) {
      if (sample.partition >= 0 && sample.partition < log_.Partitions()) local[sample.partition] = true;
      out.push_back(std::move(sample));
    }
  }
  if (std::find(local.begin(), local.end(), false) == local.end()) return out;
  // Partitions other processes run: their committed checkpoints, so every node reports all of them.
  auto lease = pool_.Acquire(std::chrono::milliseconds(500));
  if (!lease.ok()) return out;
  auto rows = (***lease).Exec(
      "SELECT projection, partition, next_offset FROM projection_checkpoints WHERE projection = ANY($1::text[])",
      {names_array_});
  if (!rows.ok()) return out;
  std::map<std::pair<std::string, int>, std::int64_t> applied;
  for (const auto& row : rows->rows) applied[{*row[0], std::stoi(*row[1])}] = std::stoll(*row[2]);
  for (int partition = 0; partition < log_.Partitions(); ++partition) {
    if (local[partition]) continue;
    auto end = log_.EndOffset(partition);
    if (!end.ok()) continue;
    for (const auto* projection : projections_) {
      projections::LagSample sample;
      sample.projection = std::string(projection->Name());
      sample.partition = partition;
      sample.end_offset = *end;
      auto it = applied.find({sample.projection, partition});
      sample.applied = it == applied.end() ? 0 : it->second;
      sample.lag = std::max<std::int64_t>(0, sample.end_offset - sample.applied);
      out.push_back(std::move(sample));
    }
  }
  return out;
}

namespace {
std::string List(const std::vector<int>& partitions) {
  std::string out;
  for (int p : partitions) out += (out.empty() ? "" : ",") + std::to_string(p);
  return "[" + out + "]";
}
}  // namespace

Result<std::unique_ptr<adapters::KafkaPartitionGroup>, std::string> ShareProjectionWork(const Config& config,
                                                                                       ProjectionWorkers& workers) {
  if (config.event_log != "kafka") {
    std::vector<int> all(static_cast<std::size_t>(config.partitions));
    std::iota(all.begin(), all.end(), 0);
    if (auto r = workers.Run(all); !r) return MakeErr("projections: " + r.error().message);
    return std::unique_ptr<adapters::KafkaPartitionGroup>();
  }
  adapters::KafkaLogOptions options;
  options.brokers = config.kafka_brokers;
  options.partitions = config.partitions;
  options.node_id = EffectiveNodeId(config);
  adapters::PartitionGroupCallbacks callbacks;
  callbacks.assigned = [&workers](const std::vector<int>& partitions) {
    std::cerr << "projections: assigned partitions " << List(partitions) << std::endl;
    // Runs on the group's poll thread: a database that is down for longer leaves the partitions
    // idle until the next rebalance, so retry a few times here.
    for (int attempt = 0; attempt < 5; ++attempt) {
      auto r = workers.Run(partitions);
      if (r) return;
      std::cerr << "projections: cannot start workers: " << r.error().message << std::endl;
      std::this_thread::sleep_for(std::chrono::seconds(1));
    }
  };
  callbacks.revoked = [&workers](const std::vector<int>& partitions) {
    std::cerr << "projections: revoked partitions " << List(partitions) << std::endl;
    workers.Stop(partitions);
  };
  auto group = adapters::KafkaPartitionGroup::Join(options, "switchboard-projections", std::move(callbacks));
  if (!group) return MakeErr("projection group: " + group.error().message);
  return std::move(group.value());
}

}  // namespace switchboard::infra
