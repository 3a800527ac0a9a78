// JsonReader (see json_reader.h). Uses only non-throwing nlohmann::json accessors.
#include "domain/codec/json_reader.h"

#include <limits>

namespace switchboard::domain {

std::optional<std::int64_t> AsInt64(const nlohmann::json& value) {
  if (value.is_number_unsigned()) {
    const auto u = value.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return std::nullopt;
    return static_cast<std::int64_t>(u);
  }
  if (value.is_number_integer()) return value.get<std::int64_t>();
  return std::nullopt;
}

JsonReader::JsonReader(const nlohmann::json& object, std::string_view context) : object_(object) {
  if (!object_.is_object()) Fail(Invalid(std::string(context), std::string(context) + " must be a JSON object"));
}

void JsonReader::Fail(Rejection rejection) {
  if (failed_) return;
  failed_ = true;
  error_ = std::move(rejection);
}

void JsonReader::TypeError(std::string_view key, std::string_view what) {
  Fail(Invalid(std::string(key), std::string(key) + " must be " + std::string(what)));
}

const nlohmann::json* JsonReader::Find(std::string_view key) {
  if (failed_) return nullptr;
  auto it = object_.find(key);
  if (it == object_.end()) {
    Fail(Invalid(std::string(key), std::string(key) + " is required"));
    return nullptr;
  }
  return &*it;
}

const nlohmann::json* JsonReader::Raw(std::string_view key) { return Find(key); }

std::string JsonReader::String(std::string_view key) {
  const auto* v = Find(key);
  if (v == nullptr) return {};
  if (!v->is_string()) {
    TypeError(key, "a string");
    return {};
  }
  return v->get<std::string>();
}

std::int64_t JsonReader::Int64(std::string_view key) {
  const auto* v = Find(key);
  if (v == nullptr) return 0;
  auto n = AsInt64(*v);
  if (!n) {
    TypeError(key, "an integer");
    return 0;
  }
  return *n;
}

int JsonReader::Int(std::string_view key) {
  const auto* v = Find(key);
  if (v == nullptr) return 0;
  auto n = AsInt64(*v);
  if (!n || *n < std::numeric_limits<int>::min() || *n > std::numeric_limits<int>::max()) {
    TypeError(key, "a 32-bit integer");
    return 0;
  }
  return static_cast<int>(*n);
}

bool JsonReader::Bool(std::string_view key) {
  const auto* v = Find(key);
  if (v == nullptr) return false;
  if (!v->is_boolean()) {
    TypeError(key, "true or false");
    return false;
  }
  return v->get<bool>();
}

TimePoint JsonReader::Time(std::string_view key) {
  const auto* v = Find(key);
  if (v == nullptr) return {};
  std::optional<TimePoint> t;
  if (v->is_string()) t = ParseTime(v->get_ref<const std::string&>());
  if (!t) {
    TypeError(key, "an RFC 3339 time such as 2026-11-24T15:04:05Z");
    return {};
  }
  return *t;
}

std::vector<std::string> JsonReader::Strings(std::string_view key) {
  const auto* v = Find(key);
  if (v == nullptr) return {};
  std::vector<std::string> out;
  if (!v->is_array()) {
    TypeError(key, "an array of strings");
    return {};
  }
  for (const auto& item : *v) {
    if (!item.is_string()) {
      TypeError(key, "an array of strings");
      return {};
    }
    out.push_back(item.get<std::string>());
  }
  return out;
}

std::optional<std::int64_t> JsonReader::OptionalInt64(std::string_view key) {
  if (failed_) return std::nullopt;
  auto it = object_.find(key);
  if (it == object_.end() || it->is_null()) return std::nullopt;
  auto n = AsInt64(*it);
  if (!n) TypeError(key, "an integer or null");
  return n;
}

}  // namespace switchboard::domain
