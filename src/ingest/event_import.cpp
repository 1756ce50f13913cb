// Behaviour events. Idempotent by source + event_id; a row without an id is identified by its
// content, so importing the same file twice adds nothing.

#include <fmt/format.h>

#include <array>

#include "identity/identity.h"
#include "ingest/field_parsers.h"
#include "ingest/import_context.h"

namespace recur::ingest {
namespace {

enum EventField : int {
  kSource,
  kEventId,
  kAt,
  kMember,
  kKind,
  kSku,
  kPage,
  kZone,
  kDwellMs,
  kQuery
};

constexpr std::array<std::string_view, 10> kKinds = {
    "view",  "add_to_cart", "remove_from_cart", "search", "click",
    "share", "sign_in",     "review",           "invite", "message_open"};

struct Event {
  std::string_view source, kind, sku, page, zone, query;
  std::string event_id;
  Instant at;
  std::vector<identity::Identity> ids;
  std::optional<std::int64_t> dwell_ms;
};

}  // namespace

Status import_events(ImportContext& ctx, RecordSource& src, ImportSummary& sum) {
  std::vector<Event> recs;
  SourceRow row;
  while (src.next(row)) {
    ++sum.rows;
    if ((sum.rows & 0xFFFF) == 0 && ctx.progress) ctx.progress(src.progress() * 0.4, sum.rows);
    auto fail = [&](int field, std::string reason) {
      ctx.reject(sum, src, row, field, std::move(reason));
    };
    if (!row.malformed.empty()) {
      fail(-1, row.malformed);
      continue;
    }
    const auto& v = row.values;
    Event e;
    e.source = v[kSource];
    e.kind = v[kKind];
    e.sku = v[kSku];
    e.page = v[kPage];
    e.zone = v[kZone];
    e.query = v[kQuery];
    if (e.source.empty()) {
      fail(kSource, "source is empty");
      continue;
    }
    if (std::find(kKinds.begin(), kKinds.end(), e.kind) == kKinds.end()) {
      fail(kKind,
           fmt::format("'{}' is not an event kind (view, add_to_cart, remove_from_cart, search, "
                       "click, share, sign_in, review, invite, message_open)",
                       e.kind));
      continue;
    }
    auto at = ctx.parse_time(v[kAt]);
    if (!at.ok()) {
      fail(kAt, at.status().message());
      continue;
    }
    e.at = *at;
    auto ids = identity::parse_identities(v[kMember], ctx.options.member_kind);
    if (!ids.ok()) {
      fail(kMember, ids.status().message());
      continue;
    }
    e.ids = std::move(ids).value();
    if (!v[kDwellMs].empty()) {
      auto d = parse_int_field(v[kDwellMs], 0, 86'400'000);
      if (!d.ok()) {
        fail(kDwellMs, "dwell_ms: " + d.status().message());
        continue;
      }
      e.dwell_ms = *d;
    }
    if (!v[kEventId].empty()) {
      e.event_id = std::string(v[kEventId]);
    } else {
      std::string content;
      for (int f : {kAt, kMember, kKind, kSku, kPage, kZone, kDwellMs, kQuery}) {
        content.append(v[f]);
        content.push_back('\x1f');
      }
      e.event_id = content_id(content);
    }
    recs.push_back(std::move(e));
  }
  sum.rejected = static_cast<std::int64_t>(sum.errors.size());
  if (sum.rejected > 0 && !ctx.options.skip_bad) return Status();
  if (ctx.options.dry_run) return Status();

  ASSIGN_OR_RETURN(auto exists_st,
                   ctx.db.prepare("SELECT 1 FROM events WHERE source = ? AND event_id = ?"));
  ASSIGN_OR_RETURN(
      auto insert_st,
      ctx.db.prepare(
          "INSERT INTO events (source, event_id, member_id, member_ref, kind, at, sku, page, zone, "
          "dwell_ms, query, batch_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  RETURN_IF_ERROR(apply_in_chunks(ctx, recs.size(), 0.4, sum.rows, [&](std::size_t i) -> Status {
    const Event& e = recs[i];
    exists_st.reset();
    exists_st.bind_text_static(1, e.source).bind_text_static(2, e.event_id);
    ASSIGN_OR_RETURN(bool present, exists_st.step());
    exists_st.reset();
    if (present) {
      ++sum.skipped;
      return Status();
    }
    MemberId member = kGuest;
    std::string ref;
    if (!e.ids.empty()) {
      ASSIGN_OR_RETURN(identity::Resolution res, ctx.resolver.resolve(e.ids, [&e] {
        return fmt::format("event {}:{}", e.source, e.event_id);
      }));
      member = res.member;
      ref = e.ids.front().to_string();
    }
    insert_st.reset();
    insert_st.bind_text_static(1, e.source).bind_text_static(2, e.event_id).bind(3, member);
    if (ref.empty())
      insert_st.bind(4, std::nullopt);
    else
      insert_st.bind(4, ref);
    insert_st.bind_text_static(5, e.kind)
        .bind(6, e.at.seconds)
        .bind_optional(7, e.sku)
        .bind_optional(8, e.page)
        .bind_optional(9, e.zone);
    insert_st.bind(10, e.dwell_ms);
    insert_st.bind_optional(11, e.query).bind(12, ctx.batch_id);
    RETURN_IF_ERROR(insert_st.run());
    ++sum.applied;
    ++sum.records_applied;
    return Status();
  }));
  sum.committed = true;
  return Status();
}

}  // namespace recur::ingest
