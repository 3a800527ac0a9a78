// Pistache endpoint, request conversion and the shared response writer.
#include "api/http_server.h"

#include <pistache/endpoint.h>
#include <pistache/http.h>

#include <chrono>
#include <sstream>

#include "api/problem.h"
#include "api/worker_pool.h"

namespace switchboard::api {
namespace {

using namespace Pistache;

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

HttpRequest Convert(const Http::Request& in) {
  HttpRequest out;
  out.method = Http::methodString(in.method());
  out.path = in.resource();
  for (auto it = in.query().parameters_begin(); it != in.query().parameters_end(); ++it) {
    out.query[it->first] = UrlDecode(it->second);
  }
  for (const auto& [name, raw] : in.headers().rawList()) out.headers[Lower(raw.name())] = raw.value();
  // Headers Pistache knows (Content-Type, Accept, …) are parsed into typed objects instead.
  for (const auto& header : in.headers().list()) {
    std::ostringstream value;
    header->write(value);
    out.headers[Lower(header->name())] = value.str();
  }
  // Pistache 0.0.5's Accept::write prints nothing; rebuild the value from its media ranges.
  if (auto accept = in.headers().tryGet<Http::Header::Accept>()) {
    std::string value;
    for (const auto& media : accept->media()) value += (value.empty() ? "" : ", ") + media.toString();
    out.headers["accept"] = value;
  }
  out.body = in.body();
  return out;
}

// A response header of any name: Pistache 0.0.5 writes only typed headers, never raw ones.
class NamedHeader final : public Http::Header::Header {
 public:
  NamedHeader(std::string name, std::string value) : name_(std::move(name)), value_(std::move(value)) {}
  const char* name() const override { return name_.c_str(); }
  void write(std::ostream& os) const override { os << value_; }
  std::uint64_t hash() const override { return Http::Header::detail::hash(name_.c_str()); }

 private:
  std::string name_;
  std::string value_;
};

// The one place responses are written: keep-alive forced, content type set.
void Send(Http::ResponseWriter& writer, const HttpResponse& response) {
  auto& headers = writer.headers();
  if (headers.has<Http::Header::Connection>()) headers.remove<Http::Header::Connection>();
  headers.add<Http::Header::Connection>(Http::ConnectionControl::KeepAlive);
  headers.add<Http::Header::ContentType>(Http::Mime::MediaType::fromString(response.content_type));
  for (const auto& [name, value] : response.headers) headers.add(std::make_shared<NamedHeader>(name, value));
  writer.send(static_cast<Http::Code>(response.status), response.body);
}

class ApiHandler : public Http::Handler {
 public:
  HTTP_PROTOTYPE(ApiHandler)

  ApiHandler(const Router* router, Metrics* metrics, WorkerPool* pool) : router_(router), metrics_(metrics), pool_(pool) {}

  void onRequest(const Http::Request& request, Http::ResponseWriter writer) override {
    const auto started = std::chrono::steady_clock::now();
    auto converted = std::make_shared<HttpRequest>(Convert(request));
    auto shared_writer = std::make_shared<Http::ResponseWriter>(std::move(writer));
    auto finish = [router = router_, metrics = metrics_, started](const HttpRequest& req, Http::ResponseWriter& w,
                                                                   const HttpResponse& response) {
      Send(w, response);
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      metrics->ObserveRequest(req.method, router->RouteLabel(req), response.status, seconds);
    };
    if (converted->body.size() > HttpServer::kMaxBodyBytes) {
      finish(*converted, *shared_writer,
             Problem(413, "Payload too large", "request bodies are limited to 1 MiB"));
      return;
    }
    const bool queued = pool_->TrySubmit([router = router_, converted, shared_writer, finish]() {
      HttpResponse response;
      try {
        response = router->Dispatch(*converted);
      } catch (const std::exception& e) {
        response = Problem(500, "Internal error", e.what());
      }
      finish(*converted, *shared_writer, response);
    });
    if (!queued) {
      auto busy = Problem(503, "Service unavailable", "the server is overloaded; retry shortly");
      busy.headers.emplace_back("Retry-After", "1");
      finish(*converted, *shared_writer, busy);
    }
  }

 private:
  const Router* router_;
  Metrics* metrics_;
  WorkerPool* pool_;
};

}  // namespace

std::string UrlDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] == '%' && i + 2 < text.size() &&
               HexValue(text[i + 1]) >= 0 && HexValue(text[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

struct HttpServer::Impl {
  const Router& router;
  Metrics& metrics;
  HttpServerOptions options;
  std::unique_ptr<WorkerPool> pool;
  std::unique_ptr<Http::Endpoint> endpoint;
};

HttpServer::HttpServer(const Router& router, Metrics& metrics, HttpServerOptions options)
    : impl_(std::make_unique<Impl>(Impl{router, metrics, options, nullptr, nullptr})) {}

HttpServer::~HttpServer() { Stop(); }

Result<void, std::string> HttpServer::Start() {
  try {
    impl_->pool = std::make_unique<WorkerPool>(impl_->options.worker_threads, impl_->options.max_queued);
    impl_->endpoint = std::make_unique<Http::Endpoint>(
        Address(Ipv4::any(), Port(static_cast<std::uint16_t>(impl_->options.port))));
    // Headers plus a 1 MiB body must fit; larger bodies get our 413 (or Pistache's, past this).
    impl_->endpoint->init(Http::Endpoint::options()
                              .threads(impl_->options.io_threads)
                              .flags(Tcp::Options::ReuseAddr)
                              .maxRequestSize(kMaxBodyBytes + 64 * 1024)
                              .maxResponseSize(64 << 20));
    impl_->endpoint->setHandler(Http::make_handler<ApiHandler>(&impl_->router, &impl_->metrics, impl_->pool.get()));
    impl_->endpoint->serveThreaded();
  } catch (const std::exception& e) {
    impl_->endpoint.reset();
    impl_->pool.reset();
    return MakeErr(std::string("cannot serve HTTP on port ") + std::to_string(impl_->options.port) + ": " + e.what());
  }
  return {};
}

int HttpServer::port() const { return impl_->endpoint ? static_cast<int>(static_cast<std::uint16_t>(impl_->endpoint->getPort())) : 0; }

void HttpServer::Stop() {
  // Drain the workers first: their responses need the endpoint's transport alive.
  if (impl_->pool) impl_->pool->Shutdown();
  if (impl_->endpoint) {
    impl_->endpoint->shutdown();
    impl_->endpoint.reset();
  }
  impl_->pool.reset();
}

}  // namespace switchboard::api
