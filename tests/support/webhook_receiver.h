// WebhookReceiver: a tiny blocking HTTP/1.1 server on 127.0.0.1 for webhook tests: one connection
// at a time, answers per path from a script (fail the first N requests with 500, or always) and
// records every request.
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace switchboard::testing {

class WebhookReceiver {
 public:
  struct Request {
    std::string path;
    std::map<std::string, std::string> headers;  // names lower case
    std::string body;
    int answered = 0;
  };

  WebhookReceiver();  // listens on a free port; throws when it cannot
  ~WebhookReceiver();
  WebhookReceiver(const WebhookReceiver&) = delete;
  WebhookReceiver& operator=(const WebhookReceiver&) = delete;

  std::string Url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }
  // The first `n` requests to `path` get 500; -1 means every request does.
  void FailFirst(const std::string& path, int n) {
    std::lock_guard lock(mu_);
    failures_[path] = n;
  }
  std::vector<Request> requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }
  // The requests to `path` that were answered 200.
  std::vector<Request> Delivered(const std::string& path);

 private:
  void Loop();

  void Handle(int c);

  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mu_;
  std::map<std::string, int> failures_;
  std::vector<Request> requests_;
};

}  // namespace switchboard::testing
