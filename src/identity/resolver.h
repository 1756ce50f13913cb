#pragma once
// Unified member id: resolves the identities a record carries to one member, creating a member
// for identities never seen and merging members when one record proves they are one person.
//
// Rules (the same for bulk import and one record at a time, so order does not matter):
//  - no identity known: a new member owns them all;
//  - all known identities belong to one member: that member, and the unknown ones join it;
//  - known identities belong to several members: they merge into the oldest (smallest id),
//    except pairs an operator split apart (merge_blocks), which stay apart ("conflicts");
//    the record goes to its primary (first) identity's member.
//
// Not thread-safe; use inside a write transaction. Call begin_batch() at the start of each
// transaction: when another connection has committed since the last batch (PRAGMA
// data_version), it reloads the id counter and drops the lookup cache, so their work is seen.
// Changes made through this connection but outside the resolver (an unmerge) need
// invalidate().

#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "core/ids.h"
#include "identity/identity.h"
#include "identity/merge.h"
#include "store/database.h"

namespace recur::identity {

struct Resolution {
  MemberId member = kGuest;
  bool created = false;
  int merges = 0;
  int conflicts = 0;
};

struct ResolverStats {
  std::int64_t members_created = 0;
  std::int64_t merges = 0;
  std::int64_t conflicts = 0;
};

class Resolver {
 public:
  Resolver(store::Database& db, Merger& merger, const Clock& clock);
  Resolver(const Resolver&) = delete;
  Resolver& operator=(const Resolver&) = delete;

  Status begin_batch();
  void invalidate();
  // `ids` are normalised (parse_identities); empty means a guest and returns kGuest.
  // `evidence` describes the record; it is only built when the record causes a merge.
  Result<Resolution> resolve(const std::vector<Identity>& ids,
                             const std::function<std::string()>& evidence);
  Result<Resolution> resolve(const std::vector<Identity>& ids, std::string_view evidence) {
    return resolve(ids, [evidence] { return std::string(evidence); });
  }
  // Called once before a record merges members, ahead of any change: an import applies what
  // it wrote so far (the loyalty effects of the orders before the merging record), so that the
  // merge finds what a stream of the same records would have found. Empty: nothing.
  void set_before_merge(std::function<Status()> hook) { before_merge_ = std::move(hook); }
  // The owner of one identity, if any. Does not create.
  Result<std::optional<MemberId>> find(const Identity& id);
  const ResolverStats& stats() const { return stats_; }

 private:
  Result<std::optional<MemberId>> find_key(std::string_view key, const Identity& id);
  Status attach(const Identity& id, std::string_view key, MemberId member);
  Result<MemberId> create_member();

  store::Database& db_;
  Merger& merger_;
  const Clock& clock_;
  std::function<Status()> before_merge_;
  store::Statement find_stmt_, attach_stmt_, create_stmt_;
  struct KeyHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  std::unordered_map<std::string, MemberId, KeyHash, std::equal_to<>>
      cache_;  // "kind:value" -> owner
  // Buffers reused across records so resolving allocates nothing in the common case.
  std::vector<std::string> keys_;
  std::vector<std::optional<MemberId>> owners_;
  std::vector<MemberId> distinct_;
  MemberId next_id_ = 0;
  std::int64_t data_version_ = -1;
  bool prepared_ = false;
  ResolverStats stats_;
};

}  // namespace recur::identity
