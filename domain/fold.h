// FoldEvents: replays events over a state with the aggregate's Evolve, the one way state is
// rebuilt from history. Each aggregate header also offers a non-template Fold(events).
#pragma once

#include <utility>
#include <vector>

namespace switchboard::domain {

template <class State, class Event>
State FoldEvents(State state, const std::vector<Event>& events) {
  for (const auto& e : events) state = Evolve(std::move(state), e);
  return state;
}

}  // namespace switchboard::domain
