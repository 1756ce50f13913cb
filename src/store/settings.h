#pragma once
// Merchant settings kept in the database (time zone, …).

#include <optional>
#include <string>

#include "core/status.h"
#include "core/time.h"
#include "store/database.h"

namespace recur::store {

inline constexpr const char* kDefaultTimeZone = "Asia/Shanghai";

Result<std::optional<std::string>> get_setting(Database& db, std::string_view key);
Status set_setting(Database& db, std::string_view key, std::string_view value);

// The merchant's time zone ("timezone" setting, default Asia/Shanghai).
Result<TimeZone> merchant_time_zone(Database& db);

}  // namespace recur::store
