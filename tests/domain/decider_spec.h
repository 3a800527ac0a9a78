// DeciderSpec: given(events).when(command).then(events | rejection) for any aggregate with
// Decide/Evolve/Encode overloads. Failures print events as their encoded JSON.
//   Given({TenantCreated{...}}).When(SuspendTenant{"late"}).Then({TenantSuspended{"late"}});
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "domain/codec/codec.h"
#include "domain/fold.h"

namespace switchboard::domain::testing {

template <class Event>
std::string Show(const std::vector<Event>& events) {
  std::string out = "[";
  for (const auto& e : events) {
    const EncodedEvent enc = Encode(e);
    out += (out.size() > 1 ? ", " : "") + enc.type + " " + enc.data.dump();
  }
  return out + "]";
}

inline std::string Show(const Rejection& r) {
  return std::string(ToString(r.code)) + " field=\"" + r.field + "\" message=\"" + r.message + "\" existing_id=\"" +
         r.existing_id + "\"";
}

template <class State, class Event>
class DeciderSpec {
 public:
  using Decision = Result<std::vector<Event>, Rejection>;

  explicit DeciderSpec(std::vector<Event> history) : state_(FoldEvents(State{}, history)) {}

  template <class Command>
  DeciderSpec& When(const Command& command) {
    decision_.emplace(Decide(state_, command));
    return *this;
  }

  // The command succeeded with exactly these events.
  void Then(const std::vector<Event>& expected) const {
    ASSERT_TRUE(decision_.has_value()) << "When() was not called";
    ASSERT_TRUE(decision_->ok()) << "expected " << Show(expected) << " but got rejection " << Show(decision_->error());
    EXPECT_TRUE(decision_->value() == expected) << "expected " << Show(expected) << "\n     got " << Show(decision_->value());
  }
  void ThenNothing() const { Then({}); }

  // The command was rejected with this code and field.
  void ThenRejects(Rejection::Code code, const std::string& field) const {
    ASSERT_TRUE(decision_.has_value()) << "When() was not called";
    ASSERT_FALSE(decision_->ok()) << "expected a rejection but got " << Show(decision_->value());
    EXPECT_EQ(decision_->error().code, code) << Show(decision_->error());
    EXPECT_EQ(decision_->error().field, field) << Show(decision_->error());
  }

  // Empty when the decision went the other way (that failure is already reported), so a test
  // inspecting details after a failed Then* keeps running instead of aborting.
  const Rejection& rejection() const {
    static const Rejection kNone{};
    return decision_ && !decision_->ok() ? decision_->error() : kNone;
  }
  const std::vector<Event>& events() const {
    static const std::vector<Event> kNone;
    return decision_ && decision_->ok() ? decision_->value() : kNone;
  }
  const State& state() const { return state_; }

 private:
  State state_;
  std::optional<Decision> decision_;
};

}  // namespace switchboard::domain::testing
