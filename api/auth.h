// Authenticator: resolves credentials to a Caller. Admin: X-Admin-API-Key against the configured
// key. Tenant: X-API-Key or X-Owner-Token, hashed and looked up in the tenants read model; the
// tenant comes from the key, never from the request. Lookups are cached briefly. Thread-safe.
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <unordered_map>

#include "api/api_context.h"
#include "api/router.h"

namespace switchboard::api {

class Authenticator {
 public:
  static constexpr std::chrono::seconds kCacheTtl{2};

  Authenticator(ApiServices& services, std::string admin_key)
      : services_(services), admin_key_hash_(admin_key.empty() ? "" : commands::Sha256Hex(admin_key)) {}

  Result<Caller, HttpResponse> operator()(Auth auth, const HttpRequest& request);
  // Forgets cached credentials, e.g. after a key rotation or a suspension.
  void Invalidate();

 private:
  struct Cached {
    std::string tenant_id;
    std::string status;
    std::chrono::steady_clock::time_point expires;
  };
  Result<Caller, HttpResponse> Admin(const HttpRequest& request);
  Result<Caller, HttpResponse> Tenant(const HttpRequest& request);
  Result<std::optional<Cached>, HttpResponse> Lookup(const std::string& kind, const std::string& hash);

  ApiServices& services_;
  std::string admin_key_hash_;
  std::mutex mu_;
  std::unordered_map<std::string, Cached> cache_;  // GUARDED_BY(mu_), keyed by kind + hash
};

}  // namespace switchboard::api
