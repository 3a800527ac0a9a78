// The RocksDB options of the embedded event log, in one place so bench/bench_log.cc measures its
// raw baseline on the same settings. Internal to adapters/rocksdb and its benchmark.
#pragma once

#include <string_view>

#include <rocksdb/options.h>

namespace switchboard::adapters {

rocksdb::DBOptions LogDbOptions();
// Options of the column family `name` of the log's database (point-lookup families get a bloom filter).
rocksdb::ColumnFamilyOptions LogColumnFamilyOptions(std::string_view name);

}  // namespace switchboard::adapters
