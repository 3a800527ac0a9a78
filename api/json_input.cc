// Typed field reading with error collection.
#include "api/json_input.h"

#include <charconv>

namespace switchboard::api {

Result<nlohmann::json, HttpResponse> ParseJsonObject(const HttpRequest& request) {
  const auto content_type = request.Header("content-type").value_or("");
  if (!request.body.empty() && content_type.find("json") == std::string::npos) {
    return MakeErr(Problem(415, "Unsupported media type", "send the body as application/json"));
  }
  if (request.body.empty()) return MakeErr(BadRequest("the request needs a JSON object body"));
  auto parsed = nlohmann::json::parse(request.body, nullptr, false);
  if (parsed.is_discarded()) return MakeErr(BadRequest("the body is not valid JSON"));
  if (!parsed.is_object()) return MakeErr(BadRequest("the body must be a JSON object"));
  return parsed;
}

const nlohmann::json* FieldReader::Get(const std::string& field) {
  known_.insert(field);
  auto it = object_.find(field);
  if (it == object_.end() || it->is_null()) return nullptr;
  return &*it;
}

bool FieldReader::Present(const std::string& field) const {
  auto it = object_.find(field);
  return it != object_.end() && !it->is_null();
}

const nlohmann::json* FieldReader::Raw(const std::string& field) { return Get(field); }

std::optional<std::string> FieldReader::String(const std::string& field, std::size_t max_length) {
  const auto* v = Get(field);
  if (v == nullptr) return std::nullopt;
  if (!v->is_string()) {
    AddError(field, "must be a string");
    return std::nullopt;
  }
  auto s = v->get<std::string>();
  if (s.size() > max_length) {
    AddError(field, "must be at most " + std::to_string(max_length) + " characters");
    return std::nullopt;
  }
  return s;
}

std::string FieldReader::RequiredString(const std::string& field, std::size_t max_length) {
  if (!Present(field)) {
    known_.insert(field);
    AddError(field, "is required");
    return {};
  }
  return String(field, max_length).value_or("");
}

std::optional<std::int64_t> FieldReader::Int(const std::string& field, std::int64_t min, std::int64_t max) {
  const auto* v = Get(field);
  if (v == nullptr) return std::nullopt;
  if (!v->is_number_integer()) {
    AddError(field, "must be an integer");
    return std::nullopt;
  }
  const auto n = v->get<std::int64_t>();
  if (v->is_number_unsigned() && v->get<std::uint64_t>() > static_cast<std::uint64_t>(max)) {
    AddError(field, "must be at most " + std::to_string(max));
    return std::nullopt;
  }
  if (n < min || n > max) {
    AddError(field, "must be between " + std::to_string(min) + " and " + std::to_string(max));
    return std::nullopt;
  }
  return n;
}

std::optional<bool> FieldReader::Bool(const std::string& field) {
  const auto* v = Get(field);
  if (v == nullptr) return std::nullopt;
  if (!v->is_boolean()) {
    AddError(field, "must be true or false");
    return std::nullopt;
  }
  return v->get<bool>();
}

std::optional<std::vector<std::string>> FieldReader::StringList(const std::string& field, std::size_t max_items,
                                                                std::size_t max_length) {
  const auto* v = Get(field);
  if (v == nullptr) return std::nullopt;
  if (!v->is_array() || v->size() > max_items) {
    AddError(field, "must be an array of at most " + std::to_string(max_items) + " strings");
    return std::nullopt;
  }
  std::vector<std::string> out;
  for (const auto& item : *v) {
    if (!item.is_string() || item.get<std::string>().empty() || item.get<std::string>().size() > max_length) {
      AddError(field, "items must be non-empty strings of at most " + std::to_string(max_length) + " characters");
      return std::nullopt;
    }
    out.push_back(item.get<std::string>());
  }
  return out;
}

std::optional<domain::TimePoint> FieldReader::Time(const std::string& field) {
  const auto* v = Get(field);
  if (v == nullptr) return std::nullopt;
  if (!v->is_string()) {
    AddError(field, "must be an RFC 3339 timestamp string");
    return std::nullopt;
  }
  auto t = domain::ParseTime(v->get<std::string>());
  if (!t) AddError(field, "must be an RFC 3339 timestamp such as 2026-12-01T15:00:00Z");
  return t;
}

std::optional<domain::TimePoint> FieldReader::RequiredTime(const std::string& field) {
  if (!Present(field)) {
    known_.insert(field);
    AddError(field, "is required");
    return std::nullopt;
  }
  return Time(field);
}

std::vector<FieldError> FieldReader::Finish() {
  for (auto it = object_.begin(); it != object_.end(); ++it) {
    if (!known_.count(it.key())) errors_.push_back({it.key(), "is not a known field"});
  }
  return std::move(errors_);
}

Result<PageParams, HttpResponse> ParsePage(const HttpRequest& request) {
  PageParams page;
  auto read = [&](const char* name, int min, int max, int& out) -> bool {
    auto it = request.query.find(name);
    if (it == request.query.end()) return true;
    int value = 0;
    const auto& s = it->second;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec != std::errc() || ptr != s.data() + s.size() || value < min || value > max) return false;
    out = value;
    return true;
  };
  if (!read("limit", 1, 200, page.limit)) {
    return MakeErr(BadRequest("limit must be an integer from 1 to 200", {{"limit", "must be 1..200"}}));
  }
  if (!read("offset", 0, 100'000'000, page.offset)) {
    return MakeErr(BadRequest("offset must be a non-negative integer", {{"offset", "must be >= 0"}}));
  }
  return page;
}

}  // namespace switchboard::api
