// The read models this build runs, in one place for serve, project, migrate and replay.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "projections/crm/crm_projection.h"
#include "projections/integrations/integrations_projection.h"
#include "projections/projection.h"

namespace switchboard::infra {

struct ProjectionSet {
  projections::crm::CrmProjection crm;
  projections::integrations::IntegrationsProjection integrations;

  std::vector<projections::Projection*> All() { return {&crm, &integrations}; }
  projections::Projection* Find(std::string_view name) {
    for (auto* p : All()) {
      if (p->Name() == name) return p;
    }
    return nullptr;
  }
  std::string Names() {
    std::string out;
    for (auto* p : All()) out += (out.empty() ? "" : ", ") + std::string(p->Name());
    return out;
  }
};

}  // namespace switchboard::infra
