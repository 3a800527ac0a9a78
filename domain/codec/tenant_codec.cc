// Tenant event and snapshot codec (see tenant_codec.h; field names per domain/EVENTS.md).
#include "domain/codec/tenant_codec.h"

#include <stdexcept>

#include "domain/codec/decode_support.h"
#include "domain/codec/json_reader.h"
#include "domain/codec/values_json.h"

namespace switchboard::domain {
namespace {

using nlohmann::json;

json Data(const TenantCreated& e) {
  json d = ToJson(e.config);
  d["tenant_id"] = e.tenant_id;
  d["api_key_hash"] = e.api_key_hash;
  d["widget_token_hash"] = e.widget_token_hash;
  d["owner_token_hash"] = e.owner_token_hash;
  return d;
}
json Data(const TenantConfigured& e) { return ToJson(e.config); }
json Data(const TenantApiKeyRotated& e) { return {{"api_key_hash", e.api_key_hash}}; }
json Data(const TenantWidgetTokenRotated& e) { return {{"widget_token_hash", e.widget_token_hash}}; }
json Data(const TenantOwnerTokenRotated& e) { return {{"owner_token_hash", e.owner_token_hash}}; }
json Data(const TenantSuspended& e) { return {{"reason", e.reason}}; }
json Data(const TenantReactivated&) { return json::object(); }

// The configuration keys sit at the top level of TenantCreated/TenantConfigured data.
TenantConfig ReadConfig(JsonReader& r, const json& data) {
  if (!r.ok()) return {};
  auto config = TenantConfigShapeFromJson(data);
  if (!config) {
    r.Fail(std::move(config).error());
    return {};
  }
  return std::move(*config);
}

struct Reader {
  const json& data;
  TenantCreated operator()(std::type_identity<TenantCreated>, JsonReader& r) const {
    TenantCreated e;
    e.tenant_id = r.String("tenant_id");
    e.config = ReadConfig(r, data);
    e.api_key_hash = r.String("api_key_hash");
    e.widget_token_hash = r.String("widget_token_hash");
    e.owner_token_hash = r.String("owner_token_hash");
    return e;
  }
  TenantConfigured operator()(std::type_identity<TenantConfigured>, JsonReader& r) const {
    return TenantConfigured{ReadConfig(r, data)};
  }
  TenantApiKeyRotated operator()(std::type_identity<TenantApiKeyRotated>, JsonReader& r) const {
    return {r.String("api_key_hash")};
  }
  TenantWidgetTokenRotated operator()(std::type_identity<TenantWidgetTokenRotated>, JsonReader& r) const {
    return {r.String("widget_token_hash")};
  }
  TenantOwnerTokenRotated operator()(std::type_identity<TenantOwnerTokenRotated>, JsonReader& r) const {
    return {r.String("owner_token_hash")};
  }
  TenantSuspended operator()(std::type_identity<TenantSuspended>, JsonReader& r) const { return {r.String("reason")}; }
  TenantReactivated operator()(std::type_identity<TenantReactivated>, JsonReader&) const { return {}; }
};

}  // namespace

EncodedEvent Encode(const TenantEvent& event) {
  return std::visit([](const auto& e) { return EncodedEvent{std::string(e.kType), kCurrentSchemaVersion, Data(e)}; },
                    event);
}

Result<TenantEvent, Rejection> DecodeTenantEvent(std::string_view type, int schema_version, const json& data) {
  return DecodeByType<TenantEvent>(type, schema_version, data, Reader{data});
}

json ToSnapshot(const Tenant& t) {
  return {{"v", kSnapshotVersion},
          {"id", t.id},
          {"status", ToString(t.status)},
          {"config", ToJson(t.config)},
          {"api_key_hash", t.api_key_hash},
          {"widget_token_hash", t.widget_token_hash},
          {"owner_token_hash", t.owner_token_hash}};
}

Result<Tenant, Rejection> TenantFromSnapshot(const json& snapshot) {
  JsonReader r(snapshot, "snapshot");
  if (r.ok() && r.Int("v") != kSnapshotVersion) r.Fail(Invalid("v", "unsupported snapshot version"));
  Tenant t;
  t.id = r.String("id");
  const std::string status = r.String("status");
  const json* config = r.Raw("config");
  t.api_key_hash = r.String("api_key_hash");
  t.widget_token_hash = r.String("widget_token_hash");
  t.owner_token_hash = r.String("owner_token_hash");
  if (!r.ok()) return MakeErr(r.error());
  auto st = TenantStatusFromString(status);
  if (!st) return MakeErr(Invalid("status", "unknown tenant status"));
  t.status = *st;
  auto c = TenantConfigShapeFromJson(*config);
  if (!c) return MakeErr(std::move(c).error());
  t.config = std::move(*c);
  return t;
}

template <>
Tenant FromSnapshot<Tenant>(const json& snapshot) {
  auto t = TenantFromSnapshot(snapshot);
  if (!t) throw std::invalid_argument("malformed tenant snapshot: " + t.error().message);
  return std::move(t).value();
}

}  // namespace switchboard::domain
