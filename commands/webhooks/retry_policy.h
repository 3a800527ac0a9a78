// Retry scheduling of webhook deliveries, pure: exponential backoff with full jitter drawn from an
// injected RandomSource, and the decision after each attempt (done, retry at T, dead-letter).
// A SeededRandom makes every schedule reproducible in tests. Not thread-safe: one source per worker.
//
//   RetryPolicy policy{.max_attempts = 8, .base_delay = 1s, .max_delay = 1h};
//   SeededRandom rng(42);
//   auto step = AfterFailure(policy, /*attempt=*/3, now, rng);   // retry at now + U(0, 4s), or dead letter
#pragma once

#include <chrono>
#include <cstdint>
#include <random>

#include "commands/clock.h"

namespace switchboard::commands::webhooks {

struct RetryPolicy {
  int max_attempts = 8;                                // SWITCHBOARD_WEBHOOK_MAX_ATTEMPTS
  std::chrono::milliseconds base_delay{1000};          // the ceiling of the first retry's delay
  std::chrono::milliseconds max_delay{60 * 60 * 1000};  // the ceiling never grows past this
};

// A uniform source of doubles in [0, 1).
class RandomSource {
 public:
  virtual ~RandomSource() = default;
  virtual double Uniform() = 0;
};

// mt19937_64 from a seed: the same seed gives the same sequence on every platform.
class SeededRandom final : public RandomSource {
 public:
  explicit SeededRandom(std::uint64_t seed) : engine_(seed) {}
  double Uniform() override;

 private:
  std::mt19937_64 engine_;
};

// The ceiling of the delay after the `attempt`-th failure (attempt >= 1):
// min(max_delay, base_delay * 2^(attempt-1)), without overflow for any attempt.
std::chrono::milliseconds BackoffCeiling(const RetryPolicy& policy, int attempt);
// Full jitter: a delay drawn uniformly from [0, BackoffCeiling] (AWS "full jitter"), so receivers
// recovering from an outage are not hit by every sender at the same instant.
std::chrono::milliseconds BackoffDelay(const RetryPolicy& policy, int attempt, RandomSource& random);

struct RetryStep {
  enum class Kind { kRetry, kDeadLetter };
  Kind kind = Kind::kRetry;
  TimePoint next_attempt_at{};  // for kRetry
};

// What follows the `attempt`-th failed attempt (counting from 1): a retry while attempt <
// max_attempts, a dead letter once the attempts are used up.
RetryStep AfterFailure(const RetryPolicy& policy, int attempt, TimePoint now, RandomSource& random);

}  // namespace switchboard::commands::webhooks
