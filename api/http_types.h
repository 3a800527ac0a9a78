// Transport-neutral HTTP request/response: handlers and the router see only these, so they are
// testable without a socket; api/http_server.cc adapts Pistache to them.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace switchboard::api {

struct HttpRequest {
  std::string method;  // upper case
  std::string path;    // without the query string
  std::map<std::string, std::string> query;
  std::map<std::string, std::string> headers;  // names lower case
  std::string body;
  std::map<std::string, std::string> params;  // path parameters, filled by the router

  std::optional<std::string> Header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    if (it == headers.end()) return std::nullopt;
    return it->second;
  }
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

}  // namespace switchboard::api
