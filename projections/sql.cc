// Helpers of the Sql port that need no database.
#include "projections/sql.h"

namespace switchboard::projections {

int SqlRows::Column(std::string_view name) const {
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (columns[i] == name) return static_cast<int>(i);
  }
  return -1;
}

void AppendCopyField(std::string& out, const SqlParam& value) {
  if (!value) {
    out += "\\N";
    return;
  }
  // Clean runs are copied whole: escaping one character at a time dominated projection CPU.
  std::string_view rest = *value;
  for (auto at = rest.find_first_of("\\\t\n\r"); at != std::string_view::npos;
       at = rest.find_first_of("\\\t\n\r")) {
    out.append(rest.substr(0, at));
    switch (rest[at]) {
      case '\\': out += "\\\\"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      default: out += "\\r"; break;
    }
    rest.remove_prefix(at + 1);
  }
  out.append(rest);
}

}  // namespace switchboard::projections
