// Strict reading of JSON request bodies: parses the body as one object, reads typed fields,
// collects every problem (wrong type, out of range, missing, unknown field) naming the field.
// Usage:
//   auto body = ParseJsonObject(request);  if (!body) return body.error();
//   FieldReader in(*body);  auto name = in.RequiredString("name", 200);  ...
//   if (auto errors = in.Finish(); !errors.empty()) return Unprocessable(errors);
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/problem.h"
#include "domain/values.h"

namespace switchboard::api {

// 415 unless the content type is JSON, 400 for malformed JSON or a non-object.
Result<nlohmann::json, HttpResponse> ParseJsonObject(const HttpRequest& request);

class FieldReader {
 public:
  explicit FieldReader(const nlohmann::json& object) : object_(object) {}

  std::optional<std::string> String(const std::string& field, std::size_t max_length = 1000);
  std::string RequiredString(const std::string& field, std::size_t max_length = 1000);
  std::optional<std::int64_t> Int(const std::string& field, std::int64_t min, std::int64_t max);
  std::optional<bool> Bool(const std::string& field);
  std::optional<std::vector<std::string>> StringList(const std::string& field, std::size_t max_items,
                                                     std::size_t max_length);
  std::optional<domain::TimePoint> Time(const std::string& field);
  std::optional<domain::TimePoint> RequiredTime(const std::string& field);
  // The raw value (nullptr when absent or null), for fields parsed by domain codecs.
  const nlohmann::json* Raw(const std::string& field);

  void AddError(std::string field, std::string message) { errors_.push_back({std::move(field), std::move(message)}); }
  bool Present(const std::string& field) const;
  // All errors, including one per unknown field.
  std::vector<FieldError> Finish();

 private:
  const nlohmann::json* Get(const std::string& field);

  const nlohmann::json& object_;
  std::set<std::string> known_;
  std::vector<FieldError> errors_;
};

// Query-string integers for pagination: limit (default 50, 1..200) and offset (>= 0).
struct PageParams {
  int limit = 50;
  int offset = 0;
};
Result<PageParams, HttpResponse> ParsePage(const HttpRequest& request);

}  // namespace switchboard::api
