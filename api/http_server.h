// HttpServer: the Pistache adapter. Converts requests to HttpRequest, runs the router on the
// worker pool (never on an I/O thread), records metrics, and writes every response through one
// helper that forces keep-alive (Pistache 0.0.5 otherwise answers Connection: Close).
// Limits: bodies over 1 MiB get 413. Pipelined requests sharing one packet are not supported by
// Pistache 0.0.5: only the first is answered, so clients must wait for each response.
#pragma once

#include <memory>
#include <string>

#include "api/metrics.h"
#include "api/router.h"
#include "domain/result.h"

namespace switchboard::api {

struct HttpServerOptions {
  int port = 8080;  // 0 picks a free port
  int io_threads = 2;
  int worker_threads = 8;
  std::size_t max_queued = 4096;
};

class HttpServer {
 public:
  static constexpr std::size_t kMaxBodyBytes = 1 << 20;

  HttpServer(const Router& router, Metrics& metrics, HttpServerOptions options);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  Result<void, std::string> Start();
  int port() const;
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Decodes %XX and '+' in a query-string component.
std::string UrlDecode(std::string_view text);

}  // namespace switchboard::api
