// The sub-commands of the switchboard binary; each returns the process exit code.
#pragma once

#include <string>

#include "infra/config.h"

namespace switchboard::infra {

// Makes data_dir absolute (the PostgreSQL socket path must be).
void Normalize(Config& config);

int RunServe(const Config& config);
// Projection workers alone (Kafka log): joins the consumer group switchboard-projections.
int RunProject(const Config& config);
int RunMigrate(const Config& config);
int RunReplay(const Config& config, const std::string& projection);
int RunAudit(const Config& config, const std::string& tenant_id, const std::string& stream);

}  // namespace switchboard::infra
