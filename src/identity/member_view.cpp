#include "identity/member_view.h"

#include <fmt/format.h>

#include <charconv>

namespace recur::identity {

Result<MemberId> resolve_member_ref(store::Database& db, std::string_view ref,
                                    std::string_view default_kind) {
  MemberId id = 0;
  auto [p, ec] = std::from_chars(ref.data(), ref.data() + ref.size(), id);
  if (ec == std::errc() && p == ref.data() + ref.size() && ref.size() < 11) {
    Merger merger(db);
    ASSIGN_OR_RETURN(bool found, merger.exists(id));
    if (!found) return not_found(fmt::format("member {} does not exist", id));
    return id;
  }
  ASSIGN_OR_RETURN(Identity ident, parse_identity(ref, default_kind));
  ASSIGN_OR_RETURN(auto st,
                   db.prepare("SELECT member_id FROM identities WHERE kind = ? AND value = ?"));
  st.bind(1, ident.kind).bind(2, ident.value);
  ASSIGN_OR_RETURN(bool row, st.step());
  if (!row) return not_found(fmt::format("no member has identity {}", ident.to_string()));
  return st.column_int64(0);
}

Result<MemberView> load_member_view(store::Database& db, MemberId id) {
  MemberView v;
  Merger merger(db);
  v.requested_id = id;
  ASSIGN_OR_RETURN(v.member_id, merger.live_root(id));
  {
    ASSIGN_OR_RETURN(auto st, db.prepare("SELECT name, gender, birthday, city, registered_at, "
                                         "registered_channel, registered_store, "
                                         "consent_sms, consent_wechat, consent_app, consent_email "
                                         "FROM members WHERE member_id = ?"));
    st.bind(1, v.member_id);
    ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) return not_found(fmt::format("member {} does not exist", v.member_id));
    v.name = st.column_string(0);
    v.gender = st.column_string(1);
    v.birthday = st.column_string(2);
    v.city = st.column_string(3);
    if (!st.column_is_null(4)) v.registered_at = Instant{st.column_int64(4)};
    v.registered_channel = st.column_string(5);
    v.registered_store = st.column_string(6);
    v.consent_sms = st.column_int64(7) != 0;
    v.consent_wechat = st.column_int64(8) != 0;
    v.consent_app = st.column_int64(9) != 0;
    v.consent_email = st.column_int64(10) != 0;
  }
  {
    ASSIGN_OR_RETURN(auto st, db.prepare("SELECT kind || ':' || value FROM identities WHERE "
                                         "member_id = ? ORDER BY created_at, kind, value"));
    st.bind(1, v.member_id);
    while (true) {
      ASSIGN_OR_RETURN(bool row, st.step());
      if (!row) break;
      v.identities.push_back(st.column_string(0));
    }
  }
  {
    ASSIGN_OR_RETURN(auto st, db.prepare("SELECT COUNT(*), COUNT(DISTINCT paid_day), MIN(paid_at), "
                                         "MAX(paid_at), COALESCE(SUM(paid_fen), 0) "
                                         "FROM orders WHERE member_id = ?"));
    st.bind(1, v.member_id);
    ASSIGN_OR_RETURN(bool row, st.step());
    if (row) {
      v.orders = st.column_int64(0);
      v.purchase_days = st.column_int64(1);
      if (!st.column_is_null(2)) v.first_paid_at = Instant{st.column_int64(2)};
      if (!st.column_is_null(3)) v.last_paid_at = Instant{st.column_int64(3)};
      v.paid_fen = st.column_int64(4);
    }
  }
  {
    ASSIGN_OR_RETURN(
        auto st,
        db.prepare(
            "SELECT COUNT(*), COALESCE(SUM(amount_fen), 0) FROM refunds WHERE member_id = ?"));
    st.bind(1, v.member_id);
    ASSIGN_OR_RETURN(bool row, st.step());
    if (row) {
      v.refunds = st.column_int64(0);
      v.refunded_fen = st.column_int64(1);
    }
  }
  {
    ASSIGN_OR_RETURN(auto st, db.prepare("SELECT COUNT(*) FROM events WHERE member_id = ?"));
    st.bind(1, v.member_id);
    ASSIGN_OR_RETURN(bool row, st.step());
    if (row) v.events = st.column_int64(0);
  }
  {
    ASSIGN_OR_RETURN(
        auto st,
        db.prepare("SELECT channel, COUNT(*), SUM(paid_fen) FROM orders WHERE member_id = ? "
                   "GROUP BY channel ORDER BY COUNT(*) DESC, channel"));
    st.bind(1, v.member_id);
    while (true) {
      ASSIGN_OR_RETURN(bool row, st.step());
      if (!row) break;
      v.channels.push_back({st.column_string(0), st.column_int64(1), st.column_int64(2)});
    }
  }
  ASSIGN_OR_RETURN(v.merges, merger.for_member(v.member_id));
  return v;
}

}  // namespace recur::identity
