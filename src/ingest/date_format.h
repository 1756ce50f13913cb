#pragma once
// Timestamp layouts for foreign exports, in strftime notation: "%Y/%m/%d %H:%M",
// "%Y年%m月%d日 %H:%M:%S", "%d.%m.%Y", "%s" (Unix seconds). Numeric fields accept one or two
// digits (Excel writes 2024/6/8 9:05); %f skips a fraction; %z reads +08:00 / +0800 / Z.
// Anything else in the pattern must match literally. Without %z the time is local to the zone.

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/time.h"

namespace recur::ingest {

class DateFormat {
 public:
  static Result<DateFormat> compile(std::string_view pattern);
  Result<Instant> parse(std::string_view text, const TimeZone& zone) const;
  const std::string& pattern() const { return pattern_; }

 private:
  struct Token {
    char spec;  // 0 for a literal
    std::string literal;
  };
  std::string pattern_;
  std::vector<Token> tokens_;
};

}  // namespace recur::ingest
