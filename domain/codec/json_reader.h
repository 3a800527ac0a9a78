// JsonReader: reads typed fields out of a JSON object without throwing. The first problem (missing
// key, wrong type, bad time) is recorded as a kInvalid Rejection naming the key, and every later
// read returns a default, so a decoder reads all fields straight through and checks ok() once:
//   JsonReader r(data);
//   Foo foo{r.String("id"), r.Int64("cents")};
//   if (!r.ok()) return MakeErr(r.error());
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain/rejection.h"
#include "domain/time.h"

namespace switchboard::domain {

class JsonReader {
 public:
  // `context` names the object in the "not an object" rejection (e.g. "data").
  explicit JsonReader(const nlohmann::json& object, std::string_view context = "data");
  // The reader keeps a reference: reading a temporary would dangle.
  JsonReader(const nlohmann::json&& object, std::string_view context = "data") = delete;

  std::string String(std::string_view key);
  std::int64_t Int64(std::string_view key);
  int Int(std::string_view key);
  bool Bool(std::string_view key);
  TimePoint Time(std::string_view key);  // RFC 3339 string
  std::vector<std::string> Strings(std::string_view key);
  std::optional<std::int64_t> OptionalInt64(std::string_view key);  // null or absent -> nullopt
  // The raw value (nullptr and an error when absent).
  const nlohmann::json* Raw(std::string_view key);

  void Fail(Rejection rejection);  // keeps only the first failure
  bool ok() const { return !failed_; }
  const Rejection& error() const { return error_; }

 private:
  const nlohmann::json* Find(std::string_view key);
  void TypeError(std::string_view key, std::string_view what);

  const nlohmann::json& object_;
  bool failed_ = false;
  Rejection error_;
};

// The same checks for a bare value (not a member), used by codecs and the API layer alike.
std::optional<std::int64_t> AsInt64(const nlohmann::json& value);

}  // namespace switchboard::domain
