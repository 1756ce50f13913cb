#include "identity/resolver.h"

#include <algorithm>

namespace recur::identity {

Resolver::Resolver(store::Database& db, Merger& merger, const Clock& clock)
    : db_(db), merger_(merger), clock_(clock) {}

Status Resolver::begin_batch() {
  if (!prepared_) {
    ASSIGN_OR_RETURN(find_stmt_,
                     db_.prepare("SELECT member_id FROM identities WHERE kind = ? AND value = ?"));
    ASSIGN_OR_RETURN(attach_stmt_, db_.prepare("INSERT INTO identities (kind, value, member_id, "
                                               "created_at) VALUES (?, ?, ?, ?)"));
    ASSIGN_OR_RETURN(create_stmt_,
                     db_.prepare("INSERT INTO members (member_id, created_at) VALUES (?, ?)"));
    prepared_ = true;
  }
  // What this connection cached stays true unless another connection committed since.
  ASSIGN_OR_RETURN(std::int64_t version, db_.query_int("PRAGMA data_version", 0));
  if (version != data_version_ || next_id_ == 0) {
    cache_.clear();
    ASSIGN_OR_RETURN(next_id_, db_.query_int("SELECT MAX(member_id) FROM members", 0));
    ++next_id_;
    data_version_ = version;
  }
  return Status();
}

void Resolver::invalidate() {
  cache_.clear();
  next_id_ = 0;
}

Result<std::optional<MemberId>> Resolver::find(const Identity& id) {
  return find_key(id.to_string(), id);
}

Result<std::optional<MemberId>> Resolver::find_key(std::string_view key, const Identity& id) {
  if (auto it = cache_.find(key); it != cache_.end()) return std::optional<MemberId>(it->second);
  find_stmt_.rewind();
  find_stmt_.bind_text_static(1, id.kind).bind_text_static(2, id.value);
  ASSIGN_OR_RETURN(bool row, find_stmt_.step());
  if (!row) return std::optional<MemberId>();
  MemberId m = find_stmt_.column_int64(0);
  find_stmt_.rewind();
  cache_.emplace(std::string(key), m);
  return std::optional<MemberId>(m);
}

Status Resolver::attach(const Identity& id, std::string_view key, MemberId member) {
  attach_stmt_.rewind();
  attach_stmt_.bind_text_static(1, id.kind)
      .bind_text_static(2, id.value)
      .bind(3, member)
      .bind(4, clock_.now().seconds);
  RETURN_IF_ERROR(attach_stmt_.run());
  if (auto it = cache_.find(key); it != cache_.end())
    it->second = member;
  else
    cache_.emplace(std::string(key), member);
  return Status();
}

Result<MemberId> Resolver::create_member() {
  MemberId id = next_id_++;
  create_stmt_.rewind();
  create_stmt_.bind(1, id).bind(2, clock_.now().seconds);
  RETURN_IF_ERROR(create_stmt_.run());
  ++stats_.members_created;
  return id;
}

Result<Resolution> Resolver::resolve(const std::vector<Identity>& ids,
                                     const std::function<std::string()>& evidence) {
  Resolution res;
  if (ids.empty()) return res;
  if (next_id_ == 0) RETURN_IF_ERROR(begin_batch());

  if (keys_.size() < ids.size()) keys_.resize(ids.size());
  owners_.clear();
  for (std::size_t i = 0; i < ids.size(); ++i) {
    std::string& key = keys_[i];
    key.assign(ids[i].kind).append(":").append(ids[i].value);
    ASSIGN_OR_RETURN(auto owner, find_key(key, ids[i]));
    owners_.push_back(owner);
  }
  // The common case: one identity, already known.
  if (ids.size() == 1 && owners_[0]) {
    res.member = *owners_[0];
    return res;
  }

  // Distinct owners; the oldest survives.
  distinct_.clear();
  for (const auto& o : owners_)
    if (o && std::find(distinct_.begin(), distinct_.end(), *o) == distinct_.end())
      distinct_.push_back(*o);

  MemberId target;
  if (distinct_.empty()) {
    ASSIGN_OR_RETURN(target, create_member());
    res.created = true;
  } else {
    MemberId survivor = *std::min_element(distinct_.begin(), distinct_.end());
    std::string why;
    for (MemberId other : distinct_) {
      if (other == survivor) continue;
      ASSIGN_OR_RETURN(bool is_blocked, merger_.blocked(survivor, other));
      if (is_blocked) {
        ++res.conflicts;
        ++stats_.conflicts;
        continue;
      }
      if (why.empty()) {
        if (before_merge_) RETURN_IF_ERROR(before_merge_());
        why = evidence();
      }
      std::vector<std::string> moved;
      ASSIGN_OR_RETURN(MergeRecord rec, merger_.merge(survivor, other, MergeReason::kIdentity, why,
                                                      clock_.now(), &moved));
      (void)rec;
      for (const std::string& k : moved) {
        if (auto it = cache_.find(std::string_view(k)); it != cache_.end())
          it->second = survivor;
        else
          cache_.emplace(k, survivor);
      }
      for (auto& o : owners_)
        if (o && *o == other) o = survivor;
      ++res.merges;
      ++stats_.merges;
    }
    target = owners_[0] ? *owners_[0] : survivor;
  }
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (!owners_[i]) RETURN_IF_ERROR(attach(ids[i], keys_[i], target));
  }
  res.member = target;
  return res;
}

}  // namespace recur::identity
