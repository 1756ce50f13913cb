#pragma once
// The audit trail of administrative actions (merges, unmerges, program changes, …).

#include <string_view>

#include "core/status.h"
#include "core/time.h"
#include "store/database.h"

namespace recur::store {

Status append_audit(Database& db, Instant at, std::string_view actor, std::string_view action,
                    std::string_view subject, std::string_view detail);

}  // namespace recur::store
