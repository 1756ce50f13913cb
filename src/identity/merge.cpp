#include "identity/merge.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>

namespace recur::identity {

std::string_view merge_reason_name(MergeReason r) {
  return r == MergeReason::kManual ? "manual" : "identity";
}

Status Merger::exec_bound(std::string_view sql, MemberId a, MemberId b, std::int64_t* changes) {
  ASSIGN_OR_RETURN(store::Statement * st, db_.cached(sql));
  st->bind(1, a).bind(2, b);
  RETURN_IF_ERROR(st->run());
  if (changes) *changes = db_.changes();
  return Status();
}

Result<bool> Merger::exists(MemberId member) {
  ASSIGN_OR_RETURN(store::Statement * st, db_.cached("SELECT 1 FROM members WHERE member_id = ?"));
  st->bind(1, member);
  return st->exists();
}

Result<MemberId> Merger::live_root(MemberId member) {
  ASSIGN_OR_RETURN(store::Statement * st,
                   db_.cached("SELECT merged_into FROM members WHERE member_id = ?"));
  MemberId cur = member;
  for (int hops = 0; hops < 10000; ++hops) {
    st->reset();
    st->bind(1, cur);
    ASSIGN_OR_RETURN(bool row, st->step());
    if (!row) return not_found(fmt::format("member {} does not exist (会员不存在)", cur));
    const bool live = st->column_is_null(0);
    const MemberId next = live ? cur : st->column_int64(0);
    st->reset();
    if (live) return cur;
    cur = next;
  }
  return internal_error(fmt::format("merge chain from member {} does not end", member));
}

Result<bool> Merger::blocked(MemberId a, MemberId b) {
  ASSIGN_OR_RETURN(store::Statement * st,
                   db_.cached("SELECT 1 FROM merge_blocks WHERE member_a = ? AND member_b = ?"));
  st->bind(1, std::min(a, b)).bind(2, std::max(a, b));
  return st->exists();
}

Result<MergeRecord> Merger::merge(MemberId survivor, MemberId merged, MergeReason reason,
                                  std::string_view evidence, Instant at,
                                  std::vector<std::string>* moved) {
  if (survivor == merged)
    return invalid_argument(fmt::format("cannot merge member {} into itself", survivor));
  for (MemberId m : {survivor, merged}) {
    ASSIGN_OR_RETURN(MemberId root, live_root(m));
    if (root != m)
      return failed_precondition(
          fmt::format("member {} was merged into member {}; use {}", m, root, root));
  }
  MergeRecord rec;
  rec.survivor = survivor;
  rec.merged = merged;
  rec.reason = std::string(merge_reason_name(reason));
  rec.evidence = std::string(evidence);
  rec.merged_at = at;
  {
    ASSIGN_OR_RETURN(
        store::Statement * ins,
        db_.cached("INSERT INTO merges (survivor_id, merged_id, reason, evidence, merged_at) "
                   "VALUES (?, ?, ?, ?, ?)"));
    ins->bind(1, survivor)
        .bind(2, merged)
        .bind(3, rec.reason)
        .bind(4, evidence)
        .bind(5, at.seconds);
    RETURN_IF_ERROR(ins->run());
    rec.merge_id = db_.last_insert_rowid();
  }
  {
    ASSIGN_OR_RETURN(store::Statement * st,
                     db_.cached("INSERT INTO merge_identities (merge_id, kind, value) "
                                "SELECT ?, kind, value FROM identities WHERE member_id = ?"));
    st->bind(1, rec.merge_id).bind(2, merged);
    RETURN_IF_ERROR(st->run());
  }
  if (moved) {
    ASSIGN_OR_RETURN(store::Statement * st,
                     db_.cached("SELECT kind || ':' || value FROM identities WHERE member_id = ?"));
    st->bind(1, merged);
    while (true) {
      ASSIGN_OR_RETURN(bool row, st->step());
      if (!row) break;
      moved->push_back(st->column_string(0));
    }
  }
  // Lines first: they are found through the merged member's orders.
  RETURN_IF_ERROR(
      exec_bound("UPDATE order_lines SET member_id = ?1 WHERE order_pk IN "
                 "(SELECT order_pk FROM orders WHERE member_id = ?2)",
                 survivor, merged, nullptr));
  RETURN_IF_ERROR(exec_bound("UPDATE identities SET member_id = ?1 WHERE member_id = ?2", survivor,
                             merged, &rec.moved_identities));
  RETURN_IF_ERROR(exec_bound("UPDATE orders SET member_id = ?1 WHERE member_id = ?2", survivor,
                             merged, &rec.moved_orders));
  RETURN_IF_ERROR(exec_bound("UPDATE refunds SET member_id = ?1 WHERE member_id = ?2", survivor,
                             merged, &rec.moved_refunds));
  RETURN_IF_ERROR(exec_bound("UPDATE events SET member_id = ?1 WHERE member_id = ?2", survivor,
                             merged, &rec.moved_events));
  RETURN_IF_ERROR(exec_bound("UPDATE members SET merged_into = ?1 WHERE member_id = ?2", survivor,
                             merged, nullptr));
  {
    ASSIGN_OR_RETURN(store::Statement * st,
                     db_.cached("UPDATE merges SET moved_identities = ?, moved_orders = ?, "
                                "moved_refunds = ?, moved_events = ? WHERE merge_id = ?"));
    st->bind(1, rec.moved_identities)
        .bind(2, rec.moved_orders)
        .bind(3, rec.moved_refunds)
        .bind(4, rec.moved_events)
        .bind(5, rec.merge_id);
    RETURN_IF_ERROR(st->run());
  }
  RETURN_IF_ERROR(fill_profile(rec.merge_id, survivor, merged));
  for (MergeParticipant* p : participants_) {
    RETURN_IF_ERROR(p->on_merge(db_, rec.merge_id, survivor, merged));
  }
  return rec;
}

namespace {
// Profile columns a merge may fill on the survivor. Text fields are filled when empty;
// registered_at takes the earlier; a consent given under either record holds for both.
constexpr const char* kFillText[] = {
    "name", "gender", "birthday", "city", "registered_channel", "registered_store"};
constexpr const char* kConsents[] = {"consent_sms", "consent_wechat", "consent_app",
                                     "consent_email"};
}  // namespace

Status Merger::fill_profile(MergeId id, MemberId survivor, MemberId merged) {
  ASSIGN_OR_RETURN(
      store::Statement * record,
      db_.cached("INSERT INTO merge_profile_fills (merge_id, field, previous) VALUES (?, ?, ?)"));
  auto fill = [&](const std::string& field, const std::string& condition) -> Status {
    ASSIGN_OR_RETURN(store::Statement * read,
                     db_.cached(fmt::format(
                         "SELECT s.{0}, m.{0} FROM members s, members m WHERE s.member_id = ?1 "
                         "AND m.member_id = ?2 AND {1}",
                         field, condition)));
    read->bind(1, survivor).bind(2, merged);
    ASSIGN_OR_RETURN(bool row, read->step());
    if (!row) return Status();
    std::optional<std::string> previous;
    if (!read->column_is_null(0)) previous = read->column_string(0);
    read->reset();
    ASSIGN_OR_RETURN(store::Statement * up,
                     db_.cached(fmt::format(
                         "UPDATE members SET {0} = (SELECT {0} FROM members WHERE member_id = ?2) "
                         "WHERE member_id = ?1",
                         field)));
    up->bind(1, survivor).bind(2, merged);
    RETURN_IF_ERROR(up->run());
    record->reset();
    record->bind(1, id).bind(2, field);
    record->bind(3, previous);
    return record->run();
  };
  for (const char* f : kFillText) {
    RETURN_IF_ERROR(fill(f, fmt::format("s.{0} IS NULL AND m.{0} IS NOT NULL", f)));
  }
  RETURN_IF_ERROR(fill("registered_at",
                       "m.registered_at IS NOT NULL AND (s.registered_at IS NULL OR "
                       "m.registered_at < s.registered_at)"));
  for (const char* f : kConsents) {
    RETURN_IF_ERROR(fill(f, fmt::format("s.{0} = 0 AND m.{0} = 1", f)));
  }
  return Status();
}

Status Merger::restore_profile(MergeId id, MemberId from) {
  ASSIGN_OR_RETURN(
      store::Statement * read,
      db_.cached("SELECT field, previous FROM merge_profile_fills WHERE merge_id = ?"));
  read->bind(1, id);
  std::vector<std::pair<std::string, std::optional<std::string>>> fills;
  while (true) {
    ASSIGN_OR_RETURN(bool row, read->step());
    if (!row) break;
    fills.emplace_back(read->column_string(0),
                       read->column_is_null(1)
                           ? std::nullopt
                           : std::optional<std::string>(read->column_string(1)));
  }
  for (const auto& [field, previous] : fills) {
    // Column names come from the fixed lists above, never from input.
    ASSIGN_OR_RETURN(
        store::Statement * up,
        db_.cached(fmt::format("UPDATE members SET {} = ? WHERE member_id = ?", field)));
    up->bind(1, previous);
    up->bind(2, from);
    RETURN_IF_ERROR(up->run());
  }
  return Status();
}

Result<UnmergeResult> Merger::unmerge(MergeId id, Instant at) {
  ASSIGN_OR_RETURN(MergeRecord rec, get(id));
  if (rec.undone) return failed_precondition(fmt::format("merge {} was already undone", id));
  // If the survivor was itself merged away later, the rows now live at its live root.
  ASSIGN_OR_RETURN(MemberId from, live_root(rec.survivor));
  UnmergeResult res;
  res.restored = rec.merged;
  res.from = from;
  {
    ASSIGN_OR_RETURN(store::Statement * st,
                     db_.cached("UPDATE identities SET member_id = ?1 WHERE member_id = ?2 AND "
                                "EXISTS (SELECT 1 FROM merge_identities mi WHERE mi.merge_id = ?3 "
                                "AND mi.kind = identities.kind AND mi.value = identities.value)"));
    st->bind(1, rec.merged).bind(2, from).bind(3, id);
    RETURN_IF_ERROR(st->run());
    res.identities = db_.changes();
  }
  // Rows follow their primary identity: whatever was bought under an identity that is the
  // restored member's again goes back to it, including rows imported after the merge.
  constexpr const char* kOwned =
      "member_ref IN (SELECT kind || ':' || value FROM identities WHERE member_id = ?1)";
  RETURN_IF_ERROR(exec_bound(
      fmt::format("UPDATE orders SET member_id = ?1 WHERE member_id = ?2 AND {}", kOwned),
      rec.merged, from, &res.orders));
  RETURN_IF_ERROR(
      exec_bound("UPDATE order_lines SET member_id = ?1 WHERE member_id = ?2 AND order_pk IN "
                 "(SELECT order_pk FROM orders WHERE member_id = ?1)",
                 rec.merged, from, nullptr));
  RETURN_IF_ERROR(
      exec_bound("UPDATE refunds SET member_id = ?1 WHERE member_id = ?2 AND order_pk IN "
                 "(SELECT order_pk FROM orders WHERE member_id = ?1)",
                 rec.merged, from, &res.refunds));
  RETURN_IF_ERROR(exec_bound(
      fmt::format("UPDATE events SET member_id = ?1 WHERE member_id = ?2 AND {}", kOwned),
      rec.merged, from, &res.events));
  RETURN_IF_ERROR(restore_profile(id, from));
  {
    ASSIGN_OR_RETURN(store::Statement * st,
                     db_.cached("UPDATE members SET merged_into = NULL WHERE member_id = ?"));
    st->bind(1, rec.merged);
    RETURN_IF_ERROR(st->run());
  }
  {
    ASSIGN_OR_RETURN(store::Statement * st,
                     db_.cached("UPDATE merges SET undone_at = ? WHERE merge_id = ?"));
    st->bind(1, at.seconds).bind(2, id);
    RETURN_IF_ERROR(st->run());
  }
  {
    ASSIGN_OR_RETURN(
        store::Statement * st,
        db_.cached("INSERT INTO merge_blocks (member_a, member_b, merge_id) VALUES (?, ?, ?) "
                   "ON CONFLICT (member_a, member_b) DO UPDATE SET merge_id = excluded.merge_id"));
    st->bind(1, std::min(from, rec.merged)).bind(2, std::max(from, rec.merged)).bind(3, id);
    RETURN_IF_ERROR(st->run());
  }
  for (MergeParticipant* p : participants_) {
    RETURN_IF_ERROR(p->on_unmerge(db_, id, from, rec.merged));
  }
  return res;
}

namespace {
constexpr const char* kMergeColumns =
    "SELECT merge_id, survivor_id, merged_id, reason, evidence, merged_at, undone_at, "
    "moved_identities, moved_orders, moved_refunds, moved_events FROM merges ";

MergeRecord read_merge(const store::Statement& st) {
  MergeRecord r;
  r.merge_id = st.column_int64(0);
  r.survivor = st.column_int64(1);
  r.merged = st.column_int64(2);
  r.reason = st.column_string(3);
  r.evidence = st.column_string(4);
  r.merged_at = Instant{st.column_int64(5)};
  r.undone = !st.column_is_null(6);
  r.undone_at = Instant{st.column_int64(6)};
  r.moved_identities = st.column_int64(7);
  r.moved_orders = st.column_int64(8);
  r.moved_refunds = st.column_int64(9);
  r.moved_events = st.column_int64(10);
  return r;
}
}  // namespace

Result<MergeRecord> Merger::get(MergeId id) {
  ASSIGN_OR_RETURN(store::Statement * st,
                   db_.cached(std::string(kMergeColumns) + "WHERE merge_id = ?"));
  st->bind(1, id);
  ASSIGN_OR_RETURN(bool row, st->step());
  if (!row) return not_found(fmt::format("merge {} does not exist", id));
  MergeRecord r = read_merge(*st);
  st->reset();
  return r;
}

Result<std::vector<MergeRecord>> Merger::for_member(MemberId member) {
  ASSIGN_OR_RETURN(store::Statement * st,
                   db_.cached(std::string(kMergeColumns) +
                              "WHERE survivor_id = ?1 OR merged_id = ?1 ORDER BY merge_id"));
  st->bind(1, member);
  std::vector<MergeRecord> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, st->step());
    if (!row) break;
    out.push_back(read_merge(*st));
  }
  return out;
}

}  // namespace recur::identity
