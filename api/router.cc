// Path matching and dispatch.
#include "api/router.h"

#include "api/problem.h"

namespace switchboard::api {
namespace {

std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (start <= path.size()) {
    auto slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    if (slash > start) out.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

// Number of literal segments matched, or -1 when the pattern does not match.
int MatchScore(std::string_view pattern, std::string_view path, std::map<std::string, std::string>* params) {
  const auto p = Segments(pattern);
  const auto s = Segments(path);
  if (p.size() != s.size()) return -1;
  int score = 0;
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (!p[i].empty() && p[i].front() == ':') {
      if (params) (*params)[std::string(p[i].substr(1))] = std::string(s[i]);
    } else if (p[i] == s[i]) {
      ++score;
    } else {
      return -1;
    }
  }
  return score;
}

}  // namespace

void Router::Add(Route route) { routes_.push_back(std::move(route)); }

const Route* Router::Match(const HttpRequest& request, bool& path_matched,
                           std::map<std::string, std::string>* params) const {
  const Route* best = nullptr;
  int best_score = -1;
  path_matched = false;
  for (const auto& route : routes_) {
    const int score = MatchScore(route.pattern, request.path, nullptr);
    if (score < 0) continue;
    path_matched = true;
    if (route.method != request.method) continue;
    if (score > best_score) {
      best = &route;
      best_score = score;
    }
  }
  if (best && params) MatchScore(best->pattern, request.path, params);
  return best;
}

std::string Router::RouteLabel(const HttpRequest& request) const {
  bool path_matched = false;
  const Route* route = Match(request, path_matched, nullptr);
  return route ? route->pattern : "unmatched";
}

HttpResponse Router::Dispatch(HttpRequest& request) const {
  bool path_matched = false;
  const Route* route = Match(request, path_matched, &request.params);
  if (!route) {
    if (path_matched) return Problem(405, "Method not allowed", request.method + " is not supported on this path");
    return Problem(404, "Not found", "no route for " + request.path);
  }
  Caller caller;
  if (route->auth != Auth::kNone) {
    auto authenticated = authenticate_(route->auth, request);
    if (!authenticated) return authenticated.error();
    caller = std::move(authenticated.value());
  }
  return route->handler(request, caller);
}

}  // namespace switchboard::api
