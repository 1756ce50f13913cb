// Members: each row carries a person's identities and profile. Unknown identities create a
// member; identities of several members merge them; the profile is filled from non-empty fields.

#include <fmt/format.h>

#include "identity/identity.h"
#include "ingest/field_parsers.h"
#include "ingest/import_context.h"

namespace recur::ingest {
namespace {

enum MemberField : int {
  kMember,
  kName,
  kGender,
  kBirthday,
  kCity,
  kRegisteredAt,
  kChannel,
  kStoreId,
  kConsentSms,
  kConsentWechat,
  kConsentApp,
  kConsentEmail
};

struct MemberRow {
  std::uint32_t line;
  std::vector<identity::Identity> ids;
  std::string_view name, city, channel, store_id;
  std::string gender, birthday;
  std::optional<Instant> registered_at;
  std::optional<bool> consent[4];
};

}  // namespace

Status import_members(ImportContext& ctx, RecordSource& src, ImportSummary& sum) {
  std::vector<MemberRow> recs;
  SourceRow row;
  while (src.next(row)) {
    ++sum.rows;
    if ((sum.rows & 0x3FFF) == 0 && ctx.progress) ctx.progress(src.progress() * 0.3, sum.rows);
    auto fail = [&](int field, std::string reason) {
      ctx.reject(sum, src, row, field, std::move(reason));
    };
    if (!row.malformed.empty()) {
      fail(-1, row.malformed);
      continue;
    }
    const auto& v = row.values;
    MemberRow m;
    m.line = row.line;
    auto ids = identity::parse_identities(v[kMember], ctx.options.member_kind);
    if (!ids.ok()) {
      fail(kMember, ids.status().message());
      continue;
    }
    m.ids = std::move(ids).value();
    if (m.ids.empty()) {
      fail(kMember, "a member needs at least one identity");
      continue;
    }
    m.name = v[kName];
    m.city = v[kCity];
    m.channel = v[kChannel];
    m.store_id = v[kStoreId];
    auto g = parse_gender(v[kGender]);
    if (!g.ok()) {
      fail(kGender, g.status().message());
      continue;
    }
    m.gender = *g;
    if (!v[kBirthday].empty()) {
      auto d = parse_date(v[kBirthday]);
      if (!d.ok()) {
        fail(kBirthday, d.status().message());
        continue;
      }
      m.birthday = d->to_string();
    }
    if (!v[kRegisteredAt].empty()) {
      auto t = ctx.parse_time(v[kRegisteredAt]);
      if (!t.ok()) {
        fail(kRegisteredAt, t.status().message());
        continue;
      }
      m.registered_at = *t;
    }
    if (!m.channel.empty() && m.channel != "online" && m.channel != "miniprogram" &&
        m.channel != "store" && !m.channel.starts_with("marketplace:")) {
      fail(kChannel,
           fmt::format("'{}' is not a channel (online, miniprogram, store, marketplace:<name>)",
                       m.channel));
      continue;
    }
    bool ok = true;
    for (int c = 0; c < 4 && ok; ++c) {
      std::string_view text = v[kConsentSms + c];
      if (text.empty()) continue;
      auto b = parse_bool_field(text);
      if (!b.ok()) {
        fail(kConsentSms + c, b.status().message());
        ok = false;
        break;
      }
      m.consent[c] = *b;
    }
    if (ok) recs.push_back(std::move(m));
  }
  sum.rejected = static_cast<std::int64_t>(sum.errors.size());
  if (sum.rejected > 0 && !ctx.options.skip_bad) return Status();
  if (ctx.options.dry_run) return Status();

  store::Database& db = ctx.db;
  ASSIGN_OR_RETURN(auto read_st, db.prepare("SELECT name, gender, birthday, city, registered_at, "
                                            "registered_channel, registered_store, "
                                            "consent_sms, consent_wechat, consent_app, "
                                            "consent_email FROM members WHERE member_id = ?"));
  ASSIGN_OR_RETURN(
      auto write_st,
      db.prepare(
          "UPDATE members SET name = ?, gender = ?, birthday = ?, city = ?, registered_at = ?, "
          "registered_channel = ?, registered_store = ?, consent_sms = ?, consent_wechat = ?, "
          "consent_app = ?, consent_email = ? WHERE member_id = ?"));
  Status st = apply_in_chunks(ctx, recs.size(), 0.3, sum.rows, [&](std::size_t i) -> Status {
    const MemberRow& m = recs[i];
    ASSIGN_OR_RETURN(identity::Resolution res, ctx.resolver.resolve(m.ids, [&m] {
      return fmt::format("members line {}", m.line);
    }));
    // Current values (a member created just now has none); a non-empty field replaces them.
    std::string cur[7];
    std::int64_t consent[4] = {0, 0, 0, 0};
    if (!res.created) {
      read_st.reset();
      read_st.bind(1, res.member);
      ASSIGN_OR_RETURN(bool found, read_st.step());
      if (!found) return internal_error(fmt::format("member {} vanished", res.member));
      for (int c = 0; c < 7; ++c)
        cur[c] = read_st.column_is_null(c) ? "" : read_st.column_string(c);
      for (int c = 0; c < 4; ++c) consent[c] = read_st.column_int64(7 + c);
      read_st.reset();
    }
    std::string next[7] = {cur[0], cur[1], cur[2], cur[3], cur[4], cur[5], cur[6]};
    if (!m.name.empty()) next[0] = std::string(m.name);
    if (!m.gender.empty()) next[1] = m.gender;
    if (!m.birthday.empty()) next[2] = m.birthday;
    if (!m.city.empty()) next[3] = std::string(m.city);
    if (m.registered_at) next[4] = std::to_string(m.registered_at->seconds);
    if (!m.channel.empty()) next[5] = std::string(m.channel);
    if (!m.store_id.empty()) next[6] = std::string(m.store_id);
    std::int64_t next_consent[4];
    for (int c = 0; c < 4; ++c)
      next_consent[c] = m.consent[c] ? (*m.consent[c] ? 1 : 0) : consent[c];
    bool changed = res.created || res.merges > 0;
    for (int c = 0; c < 7; ++c) changed |= next[c] != cur[c];
    for (int c = 0; c < 4; ++c) changed |= next_consent[c] != consent[c];
    if (!changed) {
      ++sum.skipped;
      return Status();
    }
    write_st.reset();
    for (int c = 0; c < 7; ++c) {
      if (next[c].empty())
        write_st.bind(c + 1, std::nullopt);
      else if (c == 4)
        write_st.bind(c + 1, static_cast<std::int64_t>(std::stoll(next[c])));
      else
        write_st.bind(c + 1, next[c]);
    }
    for (int c = 0; c < 4; ++c) write_st.bind(8 + c, next_consent[c]);
    write_st.bind(12, res.member);
    RETURN_IF_ERROR(write_st.run());
    ++sum.applied;
    ++sum.records_applied;
    return Status();
  });
  RETURN_IF_ERROR(st);
  sum.committed = true;
  return Status();
}

}  // namespace recur::ingest
