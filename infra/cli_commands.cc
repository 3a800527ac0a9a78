// serve / migrate / replay / audit.
#include "infra/cli_commands.h"

#include <signal.h>

#include <cstdio>
#include <filesystem>
#include <iostream>

#include "commands/event_log.h"
#include "infra/application.h"
#include "infra/projection_workers.h"
#include "infra/projection_set.h"
#include "projections/engine/catalog.h"
#include "projections/engine/rebuild.h"

namespace switchboard::infra {

void Normalize(Config& config) {
  std::error_code ec;
  auto absolute = std::filesystem::absolute(config.data_dir, ec);
  if (!ec) config.data_dir = absolute.lexically_normal().string();
  while (config.data_dir.size() > 1 && config.data_dir.back() == '/') config.data_dir.pop_back();
}

namespace {

// Blocks SIGINT/SIGTERM so that this thread takes them synchronously; every thread started later
// inherits the mask. A shell starts background jobs with SIGINT ignored, and an ignored signal
// never reaches sigwait, so the default disposition is restored first.
sigset_t TakeStopSignals() {
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

void WaitForStopSignal(const sigset_t& signals) {
  int received = 0;
  sigwait(&signals, &received);
  std::cout << "switchboard: " << (received == SIGINT ? "SIGINT" : "SIGTERM") << ", stopping" << std::endl;
}

}  // namespace

int RunServe(const Config& config) {
  const sigset_t signals = TakeStopSignals();
  auto server = Server::Start(config);
  if (!server) {
    std::cerr << "switchboard serve: " << server.error() << "\n";
    return 1;
  }
  std::cout << "switchboard serving on http://127.0.0.1:" << (*server)->port() << " (event log: " << config.event_log
            << ", " << config.partitions << " partitions, data dir " << config.data_dir << ")" << std::endl;
  WaitForStopSignal(signals);
  server->reset();
  std::cout << "switchboard: stopped" << std::endl;
  return 0;
}

int RunProject(const Config& config) {
  if (config.event_log != "kafka") {
    std::cerr << "switchboard project: projection workers run apart only on the Kafka log; with the embedded "
                 "log `serve` runs them\n";
    return 2;
  }
  const sigset_t signals = TakeStopSignals();
  auto storage = OpenStorage(config, config.partitions + 2, StorageMode::kReadOnlyLog);
  if (!storage) {
    std::cerr << "switchboard project: " << storage.error() << "\n";
    return 1;
  }
  ProjectionSet set;
  projections::EngineOptions options;
  options.on_error = [](int partition, std::string_view message) {
    std::cerr << "projection worker (partition " << partition << "): " << message << "\n";
  };
  options.on_dead_letter = [](const projections::ParkedEvent& parked) {
    std::cerr << "projection " << parked.projection << " parked event " << parked.event_id << " (partition "
              << parked.partition << " offset " << parked.offset << "): " << parked.error << "\n";
  };
  ProjectionWorkers workers(*storage->log, *storage->pool, set.All(), options);
  auto group = ShareProjectionWork(config, workers);
  if (!group) {
    std::cerr << "switchboard project: " << group.error() << "\n";
    return 1;
  }
  std::cout << "switchboard project: node " << EffectiveNodeId(config)
            << " joined consumer group switchboard-projections on " << config.kafka_brokers << std::endl;
  WaitForStopSignal(signals);
  group->reset();  // hands the partitions over first
  workers.Stop(workers.Running());
  std::cout << "switchboard: stopped" << std::endl;
  return 0;
}

int RunMigrate(const Config& config) {
  // On Kafka a writer would join the writer group and take partitions from the serves.
  auto storage = OpenStorage(config, 1, config.event_log == "kafka" ? StorageMode::kReadOnlyLog : StorageMode::kReadWrite);
  if (!storage) {
    std::cerr << "switchboard migrate: " << storage.error() << "\n";
    return 1;
  }
  auto lease = storage->pool->Acquire();
  if (!lease) {
    std::cerr << "switchboard migrate: " << lease.error().message << "\n";
    return 1;
  }
  ProjectionSet set;
  std::cout << "migrations applied";
  for (auto* projection : set.All()) {
    auto schema = projections::EnsureLiveSchema(***lease, *projection);
    if (!schema) {
      std::cerr << "\nswitchboard migrate: " << schema.error().message << "\n";
      return 1;
    }
    std::cout << "; " << projection->Name() << " read model lives in schema " << *schema;
  }
  std::cout << std::endl;
  return 0;
}

int RunReplay(const Config& config, const std::string& name) {
  ProjectionSet set;
  projections::Projection* projection = set.Find(name);
  if (projection == nullptr) {
    std::cerr << "switchboard replay: --projection must name a projection (known: " << set.Names() << ")\n";
    return 2;
  }
  // Read-only log: runs beside a `serve` that holds the log (the point of a blue/green rebuild).
  auto storage = OpenStorage(config, 2, StorageMode::kReadOnlyLog);
  if (!storage) {
    std::cerr << "switchboard replay: " << storage.error() << "\n";
    return 1;
  }
  const bool tty = isatty(fileno(stderr));
  auto result = projections::Rebuild(*storage->log, *storage->pool, *projection, [tty](const projections::RebuildProgress& p) {
    const char* phase = p.phase == projections::RebuildProgress::Phase::kReplaying   ? "replaying"
                        : p.phase == projections::RebuildProgress::Phase::kSwitching ? "switching"
                                                                                     : "done";
    const double pct = p.events_total > 0 ? 100.0 * static_cast<double>(p.events_done) / static_cast<double>(p.events_total) : 100.0;
    std::fprintf(stderr, "%s%s %s: %lld/%lld events (%.1f%%), %.0f events/s, ETA %llds%s", tty ? "\r" : "", phase,
                 p.schema.c_str(), static_cast<long long>(p.events_done), static_cast<long long>(p.events_total), pct,
                 p.events_per_s, static_cast<long long>(p.eta.count()), tty ? "   " : "\n");
  });
  if (tty) std::fprintf(stderr, "\n");
  if (!result) {
    std::cerr << "switchboard replay: " << result.error().message << "\n";
    return 1;
  }
  auto lease = storage->pool->Acquire();
  if (lease) {
    if (auto live = projections::LiveSchema(***lease, projection->Name())) {
      std::cout << projection->Name() << " now served from " << *live << "\n";
    }
  }
  return 0;
}

int RunAudit(const Config& config, const std::string& tenant_id, const std::string& stream) {
  if (tenant_id.empty()) {
    std::cerr << "switchboard audit: --tenant ID is required\n";
    return 2;
  }
  auto storage = OpenStorage(config, 1, StorageMode::kReadOnlyLog);  // runs beside `serve`
  if (!storage) {
    std::cerr << "switchboard audit: " << storage.error() << "\n";
    return 1;
  }
  commands::EventLog& log = *storage->log;
  if (!stream.empty()) {
    std::int64_t from = 1;
    for (;;) {
      auto page = log.ReadStream(tenant_id, stream, from, 1000);
      if (!page && page.error().code == commands::LogError::Code::kUnavailable && from == 1) break;  // scan below
      if (!page) {
        std::cerr << "switchboard audit: " << page.error().message << "\n";
        return 1;
      }
      for (const auto& e : *page) std::cout << commands::EncodeEnvelope(e) << "\n";
      if (page->size() < 1000) return 0;
      from = page->back().stream_version + 1;
    }
  }
  // Also for --stream when this process has no stream index (a Kafka reader): a partition scan.
  const int partition = commands::PartitionOf(tenant_id, log.Partitions());
  auto scanned = commands::ForEachEvent(log, partition, 0, [&](const commands::RecordedEvent& e) {
    if (e.tenant_id == tenant_id && (stream.empty() || e.stream == stream)) std::cout << commands::EncodeEnvelope(e) << "\n";
  });
  if (!scanned) {
    std::cerr << "switchboard audit: " << scanned.error().message << "\n";
    return 1;
  }
  return 0;
}

}  // namespace switchboard::infra
