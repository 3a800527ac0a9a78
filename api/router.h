// Router: the route table of the HTTP API. It matches method and path (":name" segments become
// path parameters; literal segments win over parameters), runs authentication, and is the single
// source of the OpenAPI document. Thread-safe after construction.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "api/http_types.h"
#include "commands/recorded_event.h"
#include "domain/result.h"

namespace switchboard::api {

enum class Auth { kNone, kAdmin, kTenant };

// Who is calling, as established by authentication.
struct Caller {
  std::string tenant_id;  // "" for admin and anonymous callers
  commands::Actor actor;
};

using Handler = std::function<HttpResponse(const HttpRequest&, const Caller&)>;
using Authenticate = std::function<Result<Caller, HttpResponse>(Auth, const HttpRequest&)>;

struct Route {
  std::string method;
  std::string pattern;  // e.g. "/v1/crm/customers/:id"
  Auth auth = Auth::kNone;
  std::string summary;
  int success_status = 200;
  std::string request_schema;   // OpenAPI schema name of the body, "" for none
  std::string response_schema;  // OpenAPI schema name of the success body
  Handler handler;
};

class Router {
 public:
  void Add(Route route);
  void SetAuthenticator(Authenticate authenticate) { authenticate_ = std::move(authenticate); }

  // Finds the route, fills request.params, authenticates and runs the handler. 404/405 as problems.
  HttpResponse Dispatch(HttpRequest& request) const;
  // The matched route's pattern (for metrics labels), or "unmatched".
  std::string RouteLabel(const HttpRequest& request) const;
  const std::vector<Route>& routes() const { return routes_; }

 private:
  const Route* Match(const HttpRequest& request, bool& path_matched, std::map<std::string, std::string>* params) const;

  std::vector<Route> routes_;
  Authenticate authenticate_;
};

}  // namespace switchboard::api
