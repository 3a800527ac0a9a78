// Checkpoint store: (projection, partition) -> next offset to apply, in projection_checkpoints.
// Call these inside the transaction that applies the events they cover (DESIGN.md §4).
// Stateless functions; the connection is used by the calling thread only.
#pragma once

#include <cstdint>
#include <map>
#include <string_view>

#include "domain/result.h"
#include "projections/sql.h"

namespace switchboard::projections {

// The next offset to apply; 0 when the projection never committed on that partition.
Result<std::int64_t, SqlError> LoadCheckpoint(SqlConnection& sql, std::string_view projection, int partition);

// Every saved checkpoint of a projection, by partition.
Result<std::map<int, std::int64_t>, SqlError> LoadCheckpoints(SqlConnection& sql, std::string_view projection);

// Upserts the checkpoint. It never moves backwards (GREATEST), so a writer holding a stale position
// cannot undo progress that a rebuild's switch or another worker made.
Result<void, SqlError> SaveCheckpoint(SqlConnection& sql, std::string_view projection, int partition,
                                      std::int64_t next_offset);

// Removes every checkpoint of `projection` (e.g. a rebuild's shadow name).
Result<void, SqlError> DeleteCheckpoints(SqlConnection& sql, std::string_view projection);

}  // namespace switchboard::projections
