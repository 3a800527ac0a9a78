// Service list validation (see service.h).
#include "domain/service.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "domain/text.h"

namespace switchboard::domain {

Result<std::vector<Service>, Rejection> NormalizeServices(const std::vector<Service>& services,
                                                          std::string_view field) {
  const std::string f(field);
  if (services.size() > kMaxServices) return MakeErr(Invalid(f, "at most 100 services are allowed"));
  std::vector<Service> out;
  std::set<std::string> seen;  // lowercase names
  for (const auto& s : services) {
    auto name = ValidateText(f, s.name, 1, kMaxServiceNameChars);
    if (!name) return MakeErr(Invalid(f, "each service needs a name of 1 to 100 characters"));
    std::string key = *name;
    std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return std::tolower(c); });
    if (!seen.insert(key).second) return MakeErr(Invalid(f, "service names must be unique: \"" + *name + "\""));
    if (s.price_cents < 0) return MakeErr(Invalid(f, "price_cents must not be negative"));
    if (s.duration_minutes < 5 || s.duration_minutes > 1440) {
      return MakeErr(Invalid(f, "duration_minutes must be between 5 and 1440"));
    }
    out.push_back(Service{std::move(*name), s.price_cents, s.duration_minutes});
  }
  return out;
}

}  // namespace switchboard::domain
