// Backoff with full jitter (see retry_policy.h).
#include "commands/webhooks/retry_policy.h"

#include <algorithm>

namespace switchboard::commands::webhooks {

double SeededRandom::Uniform() {
  // 53 random bits → an exactly representable double in [0, 1); generate_canonical's rounding
  // may return 1.0 on some library versions.
  return static_cast<double>(engine_() >> 11) * 0x1.0p-53;
}

std::chrono::milliseconds BackoffCeiling(const RetryPolicy& policy, int attempt) {
  const std::int64_t base = std::max<std::int64_t>(policy.base_delay.count(), 0);
  const std::int64_t cap = std::max<std::int64_t>(policy.max_delay.count(), 0);
  std::int64_t ceiling = base;
  for (int i = 1; i < attempt && ceiling < cap; ++i) ceiling *= 2;  // stops before it can overflow
  return std::chrono::milliseconds(std::min(ceiling, cap));
}

std::chrono::milliseconds BackoffDelay(const RetryPolicy& policy, int attempt, RandomSource& random) {
  const auto ceiling = BackoffCeiling(policy, attempt).count();
  const auto delay = static_cast<std::int64_t>(random.Uniform() * static_cast<double>(ceiling + 1));
  return std::chrono::milliseconds(std::clamp<std::int64_t>(delay, 0, ceiling));
}

RetryStep AfterFailure(const RetryPolicy& policy, int attempt, TimePoint now, RandomSource& random) {
  if (attempt >= policy.max_attempts) return {RetryStep::Kind::kDeadLetter, {}};
  return {RetryStep::Kind::kRetry, now + BackoffDelay(policy, attempt, random)};
}

}  // namespace switchboard::commands::webhooks
