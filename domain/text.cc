// Text rules shared by every aggregate (see text.h).
#include "domain/text.h"

#include <algorithm>
#include <cstdint>

namespace switchboard::domain {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

}  // namespace

std::string Trim(std::string_view s) {
  std::size_t b = 0;
  std::size_t e = s.size();
  while (b < e && IsSpace(s[b])) ++b;
  while (e > b && IsSpace(s[e - 1])) --e;
  return std::string(s.substr(b, e - b));
}

bool IsValidUtf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t extra = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      extra = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + extra >= s.size()) return false;  // truncated sequence
    for (std::size_t k = 1; k <= extra; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    // Overlong encodings, surrogates and values beyond U+10FFFF are not UTF-8.
    static constexpr std::uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += extra + 1;
  }
  return true;
}

std::size_t CodePointCount(std::string_view s) {
  return static_cast<std::size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

Result<std::string, Rejection> ValidateText(std::string_view field, std::string_view value, std::size_t min_chars,
                                            std::size_t max_chars, Lines lines) {
  std::string text = Trim(value);
  const std::string f(field);
  if (!IsValidUtf8(text)) return MakeErr(Invalid(f, f + " must be valid UTF-8"));
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    const bool layout = c == '\n' || c == '\r' || c == '\t';
    if ((u < 0x20 || u == 0x7F) && !(layout && lines == Lines::kMulti)) {
      return MakeErr(Invalid(f, f + " must not contain control characters"));
    }
  }
  const std::size_t n = CodePointCount(text);
  if (n < min_chars) {
    return MakeErr(Invalid(f, min_chars == 1 ? f + " is required" : f + " is too short"));
  }
  if (n > max_chars) {
    return MakeErr(Invalid(f, f + " must be at most " + std::to_string(max_chars) + " characters"));
  }
  return text;
}

Result<std::vector<std::string>, Rejection> NormalizeTags(const std::vector<std::string>& tags) {
  std::vector<std::string> out;
  out.reserve(tags.size());
  for (const auto& tag : tags) {
    auto t = ValidateText("tags", tag, 1, kMaxTagChars);
    if (!t) return MakeErr(Rejection{Rejection::Code::kInvalid, "tags", "each tag must be 1 to 50 characters", {}});
    out.push_back(std::move(*t));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  if (out.size() > kMaxTags) return MakeErr(Invalid("tags", "at most 50 tags are allowed"));
  return out;
}

Result<void, Rejection> ValidateId(std::string_view field, std::string_view id) {
  const std::string f(field);
  if (id.empty()) return MakeErr(Invalid(f, f + " is required"));
  if (id.size() > 100) return MakeErr(Invalid(f, f + " must be at most 100 characters"));
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return MakeErr(Invalid(f, f + " may contain only letters, digits, _ and -"));
  }
  return {};
}

}  // namespace switchboard::domain
