#include "store/audit.h"

namespace recur::store {

Status append_audit(Database& db, Instant at, std::string_view actor, std::string_view action,
                    std::string_view subject, std::string_view detail) {
  ASSIGN_OR_RETURN(Statement st,
                   db.prepare("INSERT INTO audit (at, actor, action, subject, detail) "
                              "VALUES (?, ?, ?, ?, ?)"));
  st.bind(1, at.seconds).bind(2, actor).bind(3, action).bind(4, subject).bind(5, detail);
  return st.run();
}

}  // namespace recur::store
