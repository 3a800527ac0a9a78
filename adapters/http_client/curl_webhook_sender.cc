// libcurl POSTs for webhook deliveries (see curl_webhook_sender.h).
#include "adapters/http_client/curl_webhook_sender.h"

#include <curl/curl.h>

#include <memory>
#include <mutex>

namespace switchboard::adapters {
namespace {

// The receiver's body is not used; reading and dropping it lets the connection finish cleanly.
std::size_t Discard(char*, std::size_t size, std::size_t count, void*) { return size * count; }

struct EasyDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct ListDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

}  // namespace

CurlWebhookSender::CurlWebhookSender() {
  // curl_global_init is not thread-safe; the composition root builds the sender before the
  // dispatcher's workers start.
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

Result<int, std::string> CurlWebhookSender::Post(const commands::webhooks::OutboundRequest& request) {
  std::unique_ptr<CURL, EasyDeleter> curl(curl_easy_init());
  if (!curl) return MakeErr(std::string("curl_easy_init failed"));
  curl_slist* raw_headers = nullptr;
  for (const auto& [name, value] : request.headers) raw_headers = curl_slist_append(raw_headers, (name + ": " + value).c_str());
  // Without this libcurl sends "Expect: 100-continue" for bodies over 1 KiB and waits for it.
  raw_headers = curl_slist_append(raw_headers, "Expect:");
  std::unique_ptr<curl_slist, ListDeleter> headers(raw_headers);

  CURL* c = curl.get();
  char error[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_POST, 1L);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body.data());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(request.timeout.count()));
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);  // signals and threads do not mix (timeouts use them otherwise)
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &Discard);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  const CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) return MakeErr(std::string(error[0] != 0 ? error : curl_easy_strerror(rc)));
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  return static_cast<int>(status);
}

}  // namespace switchboard::adapters
