// recur member show|merge|unmerge — see docs/cli.md.

#include <fmt/format.h>

#include <cstdio>

#include "cli/cli_context.h"
#include "core/json_writer.h"
#include "core/text.h"
#include "identity/member_view.h"
#include "identity/merge.h"
#include "ingest/merge_flush.h"
#include "insight/insight_run.h"
#include "insight/tags.h"
#include "loyalty/merge_participant.h"
#include "store/audit.h"
#include "store/settings.h"

namespace recur::cli {
namespace {

void write_merge(JsonWriter& w, const identity::MergeRecord& m, const TimeZone& tz) {
  w.begin_object()
      .field("merge_id", m.merge_id)
      .field("survivor", m.survivor)
      .field("merged", m.merged)
      .field("reason", m.reason)
      .field("evidence", m.evidence)
      .field("merged_at", tz.format(m.merged_at))
      .field("undone", m.undone);
  if (m.undone) w.field("undone_at", tz.format(m.undone_at));
  w.key("moved")
      .begin_object()
      .field("identities", m.moved_identities)
      .field("orders", m.moved_orders)
      .field("refunds", m.moved_refunds)
      .field("events", m.moved_events)
      .end_object();
  w.end_object();
}

// Every profile dimension of one member with its value and, where it has one, its reason. The
// whole population is computed (quintiles, cycles and models are population measures).
int explain(store::Database& db, MemberId id, const std::string& as_of_text, bool json) {
  std::optional<std::int32_t> as_of;
  if (!as_of_text.empty()) {
    auto d = parse_date(as_of_text);
    if (!d.ok()) return report(invalid_argument("--as-of: " + d.status().message()));
    as_of = d->days;
  }
  auto run = insight::run_insight(db, as_of);
  if (!run.ok()) return report(run.status());
  std::size_t m = run->history.index_of(id);
  if (m == SIZE_MAX) return report(not_found(fmt::format("member {} is not a live member", id)));
  const insight::TagContext tc = run->tags();
  if (json) {
    JsonWriter w;
    w.begin_object().field("member_id", id).field("as_of", Date{run->measures.as_of}.to_string());
    w.key("tags").begin_array();
    for (const auto& def : insight::tag_registry()) {
      w.begin_object()
          .field("name", def.name)
          .field("family", def.family)
          .field("value", insight::render_tag(def, def.value(tc, m)));
      std::string why = def.explain ? def.explain(tc, m) : std::string();
      if (!why.empty()) w.field("explanation", why);
      w.field("description", def.description).end_object();
    }
    w.end_array().end_object();
    std::printf("%s\n", w.str().c_str());
    return kExitOk;
  }
  std::printf("\nprofile 会员画像 as of %s (%zu dimensions)\n",
              Date{run->measures.as_of}.to_string().c_str(), insight::tag_registry().size());
  std::string family;
  for (const auto& def : insight::tag_registry()) {
    if (def.family != family) {
      family = def.family;
      std::printf("\n  [%s]\n", family.c_str());
    }
    std::printf("  %s %s\n", pad_right(def.name, 28).c_str(),
                insight::render_tag(def, def.value(tc, m)).c_str());
    std::string why = def.explain ? def.explain(tc, m) : std::string();
    if (!why.empty()) std::printf("  %-28s   ↳ %s\n", "", why.c_str());
  }
  return kExitOk;
}

int show(Context& ctx, const std::string& ref, const std::string& kind, bool json,
         bool with_explain, const std::string& as_of) {
  auto db = ctx.open_db(true);
  if (!db.ok()) return report(db.status());
  auto tz = store::merchant_time_zone(**db);
  if (!tz.ok()) return report(tz.status());
  auto id = identity::resolve_member_ref(**db, ref, kind);
  if (!id.ok()) return report(id.status());
  auto v = identity::load_member_view(**db, *id);
  if (!v.ok()) return report(v.status());
  if (with_explain && json) return explain(**db, v->member_id, as_of, true);
  auto time = [&](const std::optional<Instant>& t) { return t ? tz->format(*t) : std::string(); };
  if (json) {
    JsonWriter w;
    w.begin_object().field("member_id", v->member_id);
    if (v->requested_id != v->member_id) w.field("merged_from", v->requested_id);
    w.key("profile")
        .begin_object()
        .field("name", v->name)
        .field("gender", v->gender)
        .field("birthday", v->birthday)
        .field("city", v->city)
        .field("registered_at", time(v->registered_at))
        .field("registered_channel", v->registered_channel)
        .field("registered_store", v->registered_store)
        .end_object();
    w.key("consent")
        .begin_object()
        .field("sms", v->consent_sms)
        .field("wechat", v->consent_wechat)
        .field("app", v->consent_app)
        .field("email", v->consent_email)
        .end_object();
    w.key("identities").begin_array();
    for (const auto& i : v->identities) w.value(i);
    w.end_array();
    w.key("orders")
        .begin_object()
        .field("count", v->orders)
        .field("purchase_days", v->purchase_days)
        .field("first_paid_at", time(v->first_paid_at))
        .field("last_paid_at", time(v->last_paid_at))
        .field("paid_fen", v->paid_fen)
        .field("paid", format_money(v->paid_fen))
        .field("refunds", v->refunds)
        .field("refunded_fen", v->refunded_fen)
        .field("net_fen", v->paid_fen - v->refunded_fen);
    w.key("channels").begin_array();
    for (const auto& c : v->channels)
      w.begin_object()
          .field("channel", c.channel)
          .field("orders", c.orders)
          .field("paid_fen", c.paid_fen)
          .end_object();
    w.end_array().end_object();
    w.field("events", v->events);
    w.key("merges").begin_array();
    for (const auto& m : v->merges) write_merge(w, m, *tz);
    w.end_array().end_object();
    std::printf("%s\n", w.str().c_str());
    return kExitOk;
  }
  if (v->requested_id != v->member_id)
    std::printf("member %lld was merged into member %lld (已合并)\n",
                static_cast<long long>(v->requested_id), static_cast<long long>(v->member_id));
  std::printf("member 会员 %lld  %s\n", static_cast<long long>(v->member_id), v->name.c_str());
  std::printf("  profile 资料     gender %s · birthday %s · city %s · registered %s %s\n",
              v->gender.empty() ? "-" : v->gender.c_str(),
              v->birthday.empty() ? "-" : v->birthday.c_str(),
              v->city.empty() ? "-" : v->city.c_str(), time(v->registered_at).c_str(),
              v->registered_channel.c_str());
  std::printf("  consent 授权     sms %s · wechat %s · app %s · email %s\n",
              v->consent_sms ? "yes" : "no", v->consent_wechat ? "yes" : "no",
              v->consent_app ? "yes" : "no", v->consent_email ? "yes" : "no");
  std::printf("  identities 身份  ");
  for (std::size_t i = 0; i < v->identities.size(); ++i)
    std::printf("%s%s", i ? ", " : "", v->identities[i].c_str());
  std::printf(
      "\n  orders 订单      %lld orders on %lld days, paid ¥%s, refunded ¥%s (%lld refunds), net "
      "¥%s\n",
      static_cast<long long>(v->orders), static_cast<long long>(v->purchase_days),
      format_money(v->paid_fen).c_str(), format_money(v->refunded_fen).c_str(),
      static_cast<long long>(v->refunds), format_money(v->paid_fen - v->refunded_fen).c_str());
  if (v->first_paid_at)
    std::printf("  first/last 首末单 %s … %s\n", time(v->first_paid_at).c_str(),
                time(v->last_paid_at).c_str());
  for (const auto& c : v->channels)
    std::printf("  channel 渠道     %-20s %5lld orders  ¥%s\n", c.channel.c_str(),
                static_cast<long long>(c.orders), format_money(c.paid_fen).c_str());
  std::printf("  events 行为      %lld\n", static_cast<long long>(v->events));
  for (const auto& m : v->merges)
    std::printf("  merge 合并 #%lld  %lld ← %lld (%s%s) %s%s\n", static_cast<long long>(m.merge_id),
                static_cast<long long>(m.survivor), static_cast<long long>(m.merged),
                m.reason.c_str(), m.evidence.empty() ? "" : (": " + m.evidence).c_str(),
                tz->format(m.merged_at).c_str(), m.undone ? " — undone 已撤销" : "");
  if (with_explain) return explain(**db, v->member_id, as_of, false);
  return kExitOk;
}

int merge(Context& ctx, const std::string& a, const std::string& b, const std::string& note,
          bool json) {
  auto db = ctx.open_db();
  if (!db.ok()) return report(db.status());
  auto tx = store::Transaction::begin(**db);
  if (!tx.ok()) return report(tx.status());
  auto ida = identity::resolve_member_ref(**db, a);
  if (!ida.ok()) return report(ida.status());
  auto idb = identity::resolve_member_ref(**db, b);
  if (!idb.ok()) return report(idb.status());
  identity::Merger merger(**db);
  loyalty::register_merge_participant(merger);
  auto ra = merger.live_root(*ida);
  auto rb = merger.live_root(*idb);
  if (!ra.ok()) return report(ra.status());
  if (!rb.ok()) return report(rb.status());
  if (*ra == *rb)
    return report(
        failed_precondition(fmt::format("{} and {} are already one member ({})", a, b, *ra)));
  // Orders and refunds not applied yet count for the members they named before the merge, as
  // an import's merges do.
  if (Status s = ingest::MergeFlush(**db, ctx.clock).before_merge(); !s.ok()) return report(s);
  std::string evidence = note.empty() ? "operator" : note;
  auto rec = merger.merge(*ra, *rb, identity::MergeReason::kManual, evidence, ctx.clock.now());
  if (!rec.ok()) return report(rec.status());
  // An explicit merge lifts an earlier split between the two.
  if (auto st = (*db)->prepare("DELETE FROM merge_blocks WHERE member_a = ? AND member_b = ?");
      st.ok()) {
    st->bind(1, std::min(*ra, *rb)).bind(2, std::max(*ra, *rb));
    if (auto s = st->run(); !s.ok()) return report(s);
  }
  Status audit = store::append_audit(**db, ctx.clock.now(), "cli", "member.merge",
                                     fmt::format("{}<-{}", *ra, *rb),
                                     fmt::format("merge {}: {}", rec->merge_id, evidence));
  if (!audit.ok()) return report(audit);
  if (auto s = (*tx)->commit(); !s.ok()) return report(s);
  if (json) {
    JsonWriter w;
    write_merge(w, *rec, TimeZone::shanghai());
    std::printf("%s\n", w.str().c_str());
  } else {
    std::printf(
        "merged member %lld into %lld as merge %lld (已合并): %lld identities, %lld orders, %lld "
        "refunds, %lld events moved\n",
        static_cast<long long>(*rb), static_cast<long long>(*ra),
        static_cast<long long>(rec->merge_id), static_cast<long long>(rec->moved_identities),
        static_cast<long long>(rec->moved_orders), static_cast<long long>(rec->moved_refunds),
        static_cast<long long>(rec->moved_events));
  }
  return kExitOk;
}

int unmerge(Context& ctx, std::int64_t merge_id, bool json) {
  auto db = ctx.open_db();
  if (!db.ok()) return report(db.status());
  auto tx = store::Transaction::begin(**db);
  if (!tx.ok()) return report(tx.status());
  identity::Merger merger(**db);
  loyalty::register_merge_participant(merger);
  // Orders and refunds not applied yet count for the member they name now, the survivor, as
  // they did for one arriving before the unmerge; their lots then go back with the rest.
  if (Status s = ingest::MergeFlush(**db, ctx.clock).before_merge(); !s.ok()) return report(s);
  auto res = merger.unmerge(merge_id, ctx.clock.now());
  if (!res.ok()) return report(res.status());
  Status audit =
      store::append_audit(**db, ctx.clock.now(), "cli", "member.unmerge", std::to_string(merge_id),
                          fmt::format("restored {} from {}", res->restored, res->from));
  if (!audit.ok()) return report(audit);
  if (auto s = (*tx)->commit(); !s.ok()) return report(s);
  if (json) {
    JsonWriter w;
    w.begin_object()
        .field("merge_id", merge_id)
        .field("restored", res->restored)
        .field("from", res->from)
        .field("identities", res->identities)
        .field("orders", res->orders)
        .field("refunds", res->refunds)
        .field("events", res->events)
        .end_object();
    std::printf("%s\n", w.str().c_str());
  } else {
    std::printf(
        "undid merge %lld (已拆分): member %lld restored from %lld with %lld identities, %lld "
        "orders, "
        "%lld refunds, %lld events\n",
        static_cast<long long>(merge_id), static_cast<long long>(res->restored),
        static_cast<long long>(res->from), static_cast<long long>(res->identities),
        static_cast<long long>(res->orders), static_cast<long long>(res->refunds),
        static_cast<long long>(res->events));
  }
  return kExitOk;
}

}  // namespace

void register_member(Command& app, Context& ctx) {
  Command* cmd = app.add_subcommand("member", "look at, merge and split members (会员)");
  cmd->require_subcommand(1);

  auto show_ref = std::make_shared<std::string>();
  auto show_kind = std::make_shared<std::string>();
  auto show_json = std::make_shared<bool>(false);
  auto show_explain = std::make_shared<bool>(false);
  auto show_as_of = std::make_shared<std::string>();
  Command* s = cmd->add_subcommand("show", "a member's profile, identities and order history");
  s->add_option("ref", *show_ref, "member id or identity (phone:13800138000)")->required();
  s->add_option("--member-kind", *show_kind, "identity kind of a bare value");
  s->add_flag("--json", *show_json, "print JSON");
  s->add_flag("--explain", *show_explain,
              "every profile dimension with its value and why (会员画像)");
  s->add_option("--as-of", *show_as_of,
                "with --explain: compute as of this date (default: the last order day)");
  s->callback([&ctx, show_ref, show_kind, show_json, show_explain, show_as_of] {
    throw Exit{show(ctx, *show_ref, *show_kind, *show_json, *show_explain, *show_as_of)};
  });

  auto a = std::make_shared<std::string>();
  auto b = std::make_shared<std::string>();
  auto note = std::make_shared<std::string>();
  auto mjson = std::make_shared<bool>(false);
  Command* m = cmd->add_subcommand("merge", "merge member B into member A (A survives)");
  m->add_option("a", *a, "surviving member (id or identity)")->required();
  m->add_option("b", *b, "member merged into A (id or identity)")->required();
  m->add_option("--note", *note, "why (kept in the merge record and the audit log)");
  m->add_flag("--json", *mjson, "print JSON");
  m->callback([&ctx, a, b, note, mjson] { throw Exit{merge(ctx, *a, *b, *note, *mjson)}; });

  auto id = std::make_shared<std::int64_t>(0);
  auto ujson = std::make_shared<bool>(false);
  Command* u =
      cmd->add_subcommand("unmerge", "undo a merge: the merged member gets back what moved");
  u->add_option("merge_id", *id, "the merge's id (see member show)")->required();
  u->add_flag("--json", *ujson, "print JSON");
  u->callback([&ctx, id, ujson] { throw Exit{unmerge(ctx, *id, *ujson)}; });
}

}  // namespace recur::cli
