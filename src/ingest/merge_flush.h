#pragma once
// Keeps an import in step with the same records arriving one by one (`recur order stream`)
// when a record merges two members: before the merge, the loyalty effects of the orders the
// import wrote so far are applied (the first time, with everything else pending in the store),
// so that the merged member's orders earn at its own tier and move to the survivor with the
// merge. Without a loyalty program it does nothing. The rest is applied after the import
// (loyalty::apply_after_import).

#include <cstdint>
#include <memory>

#include "core/clock.h"
#include "core/ids.h"
#include "core/status.h"
#include "identity/resolver.h"
#include "loyalty/apply.h"
#include "loyalty/engine.h"
#include "store/database.h"

namespace recur::ingest {

class MergeFlush {
 public:
  MergeFlush(store::Database& db, const Clock& clock) : db_(db), clock_(clock) {}
  // Installs before_merge() on `resolver` until this object is destroyed.
  void attach(identity::Resolver& resolver);
  ~MergeFlush();
  MergeFlush(const MergeFlush&) = delete;
  MergeFlush& operator=(const MergeFlush&) = delete;

  // The import wrote order `pk` of a member (orders are written in pk order).
  void written(OrderPk pk) {
    if (unapplied_.first > unapplied_.last) unapplied_.first = pk;
    unapplied_.last = pk;
  }
  // Applies what is pending now, inside the caller's transaction.
  Status before_merge();

 private:
  store::Database& db_;
  const Clock& clock_;
  identity::Resolver* resolver_ = nullptr;
  std::unique_ptr<loyalty::LoyaltyEngine> engine_;
  bool program_ = true;  // false once no program was found
  bool flushed_ = false;
  loyalty::OrderPkRange unapplied_{1, 0};  // none while first > last
};

}  // namespace recur::ingest
