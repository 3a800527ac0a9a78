// Tenant-to-partition mapping shared by every EventLog implementation.
#include "commands/event_log.h"

namespace switchboard::commands {

int PartitionOf(std::string_view tenant_id, int partitions) {
  std::uint64_t h = 14695981039346656037ULL;
  for (unsigned char c : tenant_id) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return static_cast<int>(h % static_cast<std::uint64_t>(partitions));
}

}  // namespace switchboard::commands
