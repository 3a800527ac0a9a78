// Text rules shared by every aggregate: trimming, UTF-8 validity, length in code points.
// Every free-text field goes through ValidateText, so no event ever carries bytes that
// nlohmann::json could not dump (invalid UTF-8 makes dump() throw).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "domain/rejection.h"
#include "domain/result.h"

namespace switchboard::domain {

std::string Trim(std::string_view s);           // strips ASCII whitespace at both ends
bool IsValidUtf8(std::string_view s);
std::size_t CodePointCount(std::string_view s);  // assumes valid UTF-8

enum class Lines { kSingle, kMulti };  // kMulti also allows \n \r \t

// Trims `value`, then checks UTF-8, control characters and min..max code points.
// The rejection names `field`. Returns the trimmed text.
Result<std::string, Rejection> ValidateText(std::string_view field, std::string_view value, std::size_t min_chars,
                                            std::size_t max_chars, Lines lines = Lines::kSingle);

// Tags: each trimmed, 1..50 code points, at most 50; returned sorted and unique (field "tags").
Result<std::vector<std::string>, Rejection> NormalizeTags(const std::vector<std::string>& tags);
inline constexpr std::size_t kMaxTags = 50;

// Ids (UUIDs and similar): 1..100 characters of [A-Za-z0-9_-]; ids appear in stream names, so
// nothing else is allowed. The rejection names `field`.
Result<void, Rejection> ValidateId(std::string_view field, std::string_view id);
inline constexpr std::size_t kMaxTagChars = 50;

}  // namespace switchboard::domain
