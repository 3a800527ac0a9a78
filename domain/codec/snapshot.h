// Snapshots: the JSON form of an aggregate's state, a cache that spares replaying its stream.
// FromSnapshot<X> throws std::invalid_argument on a malformed snapshot (a storage problem, not a
// business rejection): the caller discards the snapshot and folds the events instead. The
// non-throwing XFromSnapshot functions in each codec header return a Result.
//   nlohmann::json j = ToSnapshot(tenant);  Tenant t = FromSnapshot<Tenant>(j);
#pragma once

#include <nlohmann/json.hpp>

namespace switchboard::domain {

inline constexpr int kSnapshotVersion = 1;  // "v" in every snapshot

template <class State>
State FromSnapshot(const nlohmann::json& snapshot);  // specialized per aggregate in its codec header

}  // namespace switchboard::domain
