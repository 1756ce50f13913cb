#include "store/settings.h"

namespace recur::store {

Result<std::optional<std::string>> get_setting(Database& db, std::string_view key) {
  ASSIGN_OR_RETURN(Statement st, db.prepare("SELECT value FROM settings WHERE key = ?"));
  st.bind(1, key);
  ASSIGN_OR_RETURN(bool row, st.step());
  if (!row) return std::optional<std::string>();
  return std::optional<std::string>(st.column_string(0));
}

Status set_setting(Database& db, std::string_view key, std::string_view value) {
  ASSIGN_OR_RETURN(Statement st,
                   db.prepare("INSERT INTO settings (key, value) VALUES (?, ?) "
                              "ON CONFLICT (key) DO UPDATE SET value = excluded.value"));
  st.bind(1, key).bind(2, value);
  return st.run();
}

Result<TimeZone> merchant_time_zone(Database& db) {
  ASSIGN_OR_RETURN(auto name, get_setting(db, "timezone"));
  if (!name || *name == kDefaultTimeZone) return TimeZone::shanghai();
  return TimeZone::load(*name);
}

}  // namespace recur::store
