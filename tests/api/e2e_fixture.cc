// Helpers of the end-to-end fixture.
#include "tests/api/e2e_fixture.h"

#include <chrono>
#include <cstdio>

namespace switchboard::testing {

std::string FutureTime(int days, int hour, int minute) {
  using namespace std::chrono;
  const auto day = floor<std::chrono::days>(system_clock::now()) + std::chrono::days(1 + days);
  const year_month_day ymd{day};
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02uT%02d:%02d:00Z", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()), hour, minute);
  return buffer;
}

}  // namespace switchboard::testing
