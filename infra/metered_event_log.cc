// Timing of appends.
#include "infra/metered_event_log.h"

#include <chrono>

namespace switchboard::infra {

Result<commands::AppendResult, commands::LogError> MeteredEventLog::Append(const commands::AppendRequest& request) {
  const auto started = std::chrono::steady_clock::now();
  auto result = inner_.Append(request);
  if (result && !result->duplicate) {
    const auto events = static_cast<std::size_t>(result->last_offset - result->first_offset + 1);
    metrics_.ObserveAppend(events, std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  }
  return result;
}

}  // namespace switchboard::infra
