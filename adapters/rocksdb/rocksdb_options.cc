// RocksDB tuning of the event log. Why each knob:
// - recycle_log_file_num: a recycled WAL file already has its full size, so the fdatasync after
//   each group commit does not also journal an inode size change.
// - bloom filters on the version and idempotency families: their reads are point lookups, often
//   of keys that do not exist (first append of a stream, first use of an idempotency key).
#include "adapters/rocksdb/rocksdb_options.h"

#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>

namespace switchboard::adapters {

rocksdb::DBOptions LogDbOptions() {
  rocksdb::DBOptions o;
  o.create_if_missing = true;
  o.create_missing_column_families = true;
  o.max_background_jobs = 2;  // the machine has 2 cores; flushes must not starve the writer
  o.recycle_log_file_num = 4;
  o.keep_log_file_num = 4;    // RocksDB's own info LOG files
  return o;
}

rocksdb::ColumnFamilyOptions LogColumnFamilyOptions(std::string_view name) {
  rocksdb::ColumnFamilyOptions o;
  if (name == "stream_versions" || name == "idempotency") {
    rocksdb::BlockBasedTableOptions table;
    table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
    o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  }
  return o;
}

}  // namespace switchboard::adapters
