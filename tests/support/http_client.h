// HttpClient: a small blocking HTTP/1.1 client over libcurl for end-to-end tests and benchmarks.
// Keeps its connection alive between requests. One client per thread.
#pragma once

#include <map>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

namespace switchboard::testing {

struct HttpReply {
  long status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // names lower case
  std::string error;                           // transport error, "" when a reply arrived

  nlohmann::json Json() const { return nlohmann::json::parse(body, nullptr, false); }
  std::string Header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? "" : it->second;
  }
};

class HttpClient {
 public:
  explicit HttpClient(std::string base_url);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Headers to send with every request (e.g. X-API-Key).
  void SetDefaultHeader(const std::string& name, const std::string& value) { defaults_[name] = value; }

  HttpReply Send(const std::string& method, const std::string& path, const std::string& body = "",
                 const std::map<std::string, std::string>& headers = {});
  HttpReply Get(const std::string& path, const std::map<std::string, std::string>& headers = {}) {
    return Send("GET", path, "", headers);
  }
  HttpReply Post(const std::string& path, const nlohmann::json& body,
                 const std::map<std::string, std::string>& headers = {}) {
    return Send("POST", path, body.dump(), headers);
  }
  HttpReply Patch(const std::string& path, const nlohmann::json& body,
                  const std::map<std::string, std::string>& headers = {}) {
    return Send("PATCH", path, body.dump(), headers);
  }

 private:
  std::string base_url_;
  std::map<std::string, std::string> defaults_;
  void* curl_;
};

// Percent-encodes a query-string value.
std::string UrlEncode(const std::string& value);

}  // namespace switchboard::testing
