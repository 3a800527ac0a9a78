// EnvelopeTemplate: mirrors EncodeEnvelope field for field. nlohmann::json keeps object keys
// sorted, so the envelope's keys come out in alphabetical order; string escaping is delegated to
// nlohmann itself. tests/adapters/rocksdb_envelope_test.cc checks the bytes stay identical.
#include "adapters/rocksdb/envelope_template.h"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace switchboard::adapters {
namespace {

// Printable ASCII other than '"' and '\\' is exactly what nlohmann writes through unescaped (with
// ensure_ascii off), so ids, types and timestamps skip the json round trip; anything else,
// including every non-ASCII byte (nlohmann validates UTF-8), goes through nlohmann itself.
void AppendQuoted(std::string& out, std::string_view s) {
  const bool plain = std::all_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u >= 0x20 && u < 0x80 && c != '"' && c != '\\';
  });
  if (!plain) {
    out += nlohmann::json(s).dump();
    return;
  }
  out += '"';
  out.append(s);
  out += '"';
}

}  // namespace

EnvelopeTemplate MakeEnvelopeTemplate(const commands::NewEvent& e, std::string_view tenant_id,
                                      std::string_view stream, int partition, std::string_view idempotency_key) {
  EnvelopeTemplate t;
  std::string& s = t.text;
  s.reserve(256);
  s += R"({"actor":{"id":)";
  AppendQuoted(s, e.actor.id);
  s += R"(,"kind":)";
  AppendQuoted(s, e.actor.kind);
  s += R"(},"causation_id":)";
  AppendQuoted(s, e.causation_id);
  s += R"(,"correlation_id":)";
  AppendQuoted(s, e.correlation_id);
  s += R"(,"data":)";
  s += e.data.dump();
  s += R"(,"event_id":)";
  AppendQuoted(s, e.event_id);
  s += R"(,"idempotency_key":)";
  AppendQuoted(s, idempotency_key);
  s += R"(,"occurred_at":)";
  AppendQuoted(s, e.occurred_at);
  s += R"(,"offset":)";
  t.offset_at = s.size();
  s += R"(,"partition":)";
  s += std::to_string(partition);
  s += R"(,"recorded_at":")";
  t.recorded_at_at = s.size();
  s += R"(","schema_version":)";
  s += std::to_string(e.schema_version);
  s += R"(,"stream":)";
  AppendQuoted(s, stream);
  s += R"(,"stream_version":)";
  t.version_at = s.size();
  s += R"(,"tenant_id":)";
  AppendQuoted(s, tenant_id);
  s += R"(,"type":)";
  AppendQuoted(s, e.type);
  s += '}';
  return t;
}

void FinishEnvelope(const EnvelopeTemplate& t, std::int64_t offset, std::string_view recorded_at,
                    std::int64_t stream_version, std::string* out) {
  const std::string_view text = t.text;
  out->clear();
  out->reserve(text.size() + recorded_at.size() + 40);
  out->append(text.substr(0, t.offset_at));
  out->append(std::to_string(offset));
  out->append(text.substr(t.offset_at, t.recorded_at_at - t.offset_at));
  out->append(recorded_at);
  out->append(text.substr(t.recorded_at_at, t.version_at - t.recorded_at_at));
  out->append(std::to_string(stream_version));
  out->append(text.substr(t.version_at));
}

}  // namespace switchboard::adapters
