// Credential checks; secrets are compared by hash in constant time.
#include "api/auth.h"

#include <sodium.h>

#include "projections/crm/queries.h"

namespace switchboard::api {
namespace {

bool SameHash(const std::string& a, const std::string& b) {
  return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

HttpResponse Unauthenticated(std::string detail) { return Problem(401, "Unauthenticated", std::move(detail)); }

}  // namespace

Result<Caller, HttpResponse> Authenticator::operator()(Auth auth, const HttpRequest& request) {
  switch (auth) {
    case Auth::kNone: return Caller{};
    case Auth::kAdmin: return Admin(request);
    case Auth::kTenant: return Tenant(request);
  }
  return MakeErr(Problem(500, "Internal error", "unknown authentication kind"));
}

void Authenticator::Invalidate() {
  std::lock_guard lock(mu_);
  cache_.clear();
}

Result<Caller, HttpResponse> Authenticator::Admin(const HttpRequest& request) {
  const auto key = request.Header("x-admin-api-key");
  if (!key || key->empty()) return MakeErr(Unauthenticated("send the operator key in X-Admin-API-Key"));
  if (admin_key_hash_.empty() || !SameHash(commands::Sha256Hex(*key), admin_key_hash_)) {
    return MakeErr(Unauthenticated("the X-Admin-API-Key is not valid"));
  }
  return Caller{"", {"admin", "operator"}};
}

Result<Caller, HttpResponse> Authenticator::Tenant(const HttpRequest& request) {
  std::string kind;
  std::optional<std::string> secret = request.Header("x-api-key");
  if (secret && !secret->empty()) {
    kind = "api_key";
  } else if ((secret = request.Header("x-owner-token")) && !secret->empty()) {
    kind = "owner_token";
  } else {
    return MakeErr(Unauthenticated("send the tenant's key in X-API-Key (or X-Owner-Token)"));
  }
  const std::string hash = commands::Sha256Hex(*secret);
  auto found = Lookup(kind, hash);
  if (!found) return MakeErr(found.error());
  if (!*found) return MakeErr(Unauthenticated("the " + std::string(kind == "api_key" ? "X-API-Key" : "X-Owner-Token") +
                                              " is not valid"));
  if ((*found)->status != "active") {
    return MakeErr(Problem(403, "Tenant suspended", "this tenant is suspended; contact the operator"));
  }
  return Caller{(*found)->tenant_id, {kind == "api_key" ? "api_key" : "owner", hash.substr(0, 12)}};
}

Result<std::optional<Authenticator::Cached>, HttpResponse> Authenticator::Lookup(const std::string& kind,
                                                                                const std::string& hash) {
  const auto now = std::chrono::steady_clock::now();
  const std::string cache_key = kind + ":" + hash;
  {
    std::lock_guard lock(mu_);
    auto it = cache_.find(cache_key);
    if (it != cache_.end() && it->second.expires > now) return std::optional<Cached>(it->second);
  }
  auto lease = services_.sql.Acquire();
  if (!lease) return MakeErr(Problem(503, "Service unavailable", "database: " + lease.error().message));
  auto schema = services_.live_crm_schema(***lease);
  if (!schema) return MakeErr(Problem(503, "Service unavailable", "database: " + schema.error().message));
  auto row = projections::crm::TenantByCredential(***lease, *schema, *projections::crm::ParseCredentialKind(kind), hash);
  if (!row) return MakeErr(Problem(503, "Service unavailable", "database: " + row.error().message));
  if (!*row) return std::optional<Cached>{};
  Cached cached{(*row)->tenant_id, (*row)->status, now + kCacheTtl};
  std::lock_guard lock(mu_);
  if (cache_.size() > 100'000) cache_.clear();
  cache_[cache_key] = cached;
  return std::optional<Cached>(cached);
}

}  // namespace switchboard::api
