#include "ingest/record_stream.h"

#include <fmt/format.h>

#include <optional>
#include <vector>

#include "identity/merge.h"
#include "identity/resolver.h"
#include "ingest/field_plan.h"
#include "ingest/import_context.h"
#include "ingest/json_record.h"
#include "ingest/order_record.h"
#include "ingest/refund_record.h"
#include "loyalty/apply.h"
#include "loyalty/engine.h"
#include "loyalty/merge_participant.h"
#include "loyalty/program_store.h"
#include "loyalty/refund_cascade.h"
#include "store/settings.h"

namespace recur::ingest {

struct RecordStream::State {
  State(store::Database& d, const Clock& c, TimeZone z)
      : db(d),
        clock(c),
        zone(std::move(z)),
        merger(d),
        resolver(d, merger, c),
        ctx{d, resolver, c, zone, options, progress, 0, nullptr},
        orders(d),
        refunds(d) {}

  store::Database& db;
  const Clock& clock;
  TimeZone zone;
  ImportOptions options;  // the canonical field names, no mapping
  ProgressFn progress;    // none
  identity::Merger merger;
  identity::Resolver resolver;
  ImportContext ctx;
  OrderWriter orders;
  RefundWriter refunds;
  std::unique_ptr<loyalty::LoyaltyEngine> engine;  // null: no program loaded
  std::unique_ptr<loyalty::RefundCascade> cascade;
  FieldPlan order_plan, refund_plan;
  JsonRecordReader reader;
  std::int64_t data_version = -1;
  // Reused per record.
  std::vector<SourceRow> rows;
  std::vector<OrderItem> items;
  std::vector<std::string> categories;
  loyalty::OrderInput order_input;

  // "field 'amount': …" with the record's own key name.
  Status bad(const FieldPlan& plan, const FieldError& e) const {
    if (e.field < 0) return invalid_argument(e.reason);
    return invalid_argument(fmt::format(
        "field '{}': {}", plan.source_names[static_cast<std::size_t>(e.field)], e.reason));
  }

  Result<StreamResult> apply_order(std::string_view json, std::uint32_t line);
  Result<StreamResult> apply_refund(std::string_view json, std::uint32_t line);
  Status read_order(OrderHead& head);
  Status earn(const OrderHead& head, const OrderWriter::Written& w, StreamResult& r);
};

RecordStream::RecordStream(std::unique_ptr<State> state) : s_(std::move(state)) {}
RecordStream::~RecordStream() = default;

Result<std::unique_ptr<RecordStream>> RecordStream::open(store::Database& db, const Clock& clock,
                                                         std::string_view member_kind) {
  ASSIGN_OR_RETURN(TimeZone zone, store::merchant_time_zone(db));
  auto s = std::make_unique<State>(db, clock, std::move(zone));
  s->options.member_kind = std::string(member_kind);
  loyalty::register_merge_participant(s->merger);  // balances move with merged members
  RETURN_IF_ERROR(s->orders.prepare());
  RETURN_IF_ERROR(s->refunds.prepare());
  ASSIGN_OR_RETURN(s->order_plan, make_field_plan(fields_of(RecordKind::kOrders), s->options));
  ASSIGN_OR_RETURN(s->refund_plan, make_field_plan(fields_of(RecordKind::kRefunds), s->options));
  ASSIGN_OR_RETURN(auto program, loyalty::current_program(db));
  if (program) {
    ASSIGN_OR_RETURN(s->engine, loyalty::open_engine(db, clock));
    s->cascade = std::make_unique<loyalty::RefundCascade>(*s->engine);
  }
  return std::unique_ptr<RecordStream>(new RecordStream(std::move(s)));
}

bool RecordStream::has_program() const {
  return s_->engine != nullptr;
}

Status RecordStream::start_batch(std::string_view label) {
  ASSIGN_OR_RETURN(auto st, s_->db.prepare("INSERT INTO import_batches (kind, file, started_at, "
                                           "status) VALUES ('stream', ?, ?, 'running')"));
  st.bind(1, label).bind(2, s_->clock.now().seconds);
  RETURN_IF_ERROR(st.run());
  s_->ctx.batch_id = s_->db.last_insert_rowid();
  return Status();
}

Status RecordStream::finish_batch(std::int64_t records, std::int64_t stored,
                                  std::int64_t duplicates, std::int64_t rejected, bool failed) {
  if (s_->ctx.batch_id <= 0) return Status();
  ASSIGN_OR_RETURN(auto up, s_->db.prepare("UPDATE import_batches SET finished_at = ?, status = ?, "
                                           "rows = ?, applied = ?, skipped = ?, rejected = ? "
                                           "WHERE batch_id = ?"));
  up.bind(1, s_->clock.now().seconds)
      .bind(2, failed ? "failed" : "done")
      .bind(3, records)
      .bind(4, stored)
      .bind(5, duplicates)
      .bind(6, rejected)
      .bind(7, s_->ctx.batch_id);
  return up.run();
}

Status RecordStream::begin_transaction() {
  RETURN_IF_ERROR(s_->resolver.begin_batch());
  // Products another connection changed: read their categories again.
  ASSIGN_OR_RETURN(std::int64_t version, s_->db.query_int("PRAGMA data_version", 0));
  if (version != s_->data_version) s_->orders.forget_categories();
  s_->data_version = version;
  return Status();
}

void RecordStream::rolled_back() {
  s_->resolver.invalidate();  // it may have cached members and identities that were undone
}

Result<StreamResult> RecordStream::apply(std::string_view json, std::uint32_t line) {
  s_->reader.clear();
  s_->rows.clear();
  std::string why;
  if (!s_->reader.parse(json, why)) return invalid_argument(why);
  if (s_->reader.has("refund_id")) return s_->apply_refund(json, line);
  return s_->apply_order(json, line);
}

// The record's rows (one per order line) into `head` and `items`.
Status RecordStream::State::read_order(OrderHead& head) {
  using namespace order_field;
  items.clear();
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const SourceRow& row = rows[i];
    if (!row.malformed.empty()) return invalid_argument(row.malformed);
    const auto& v = row.values;
    std::optional<FieldError> e;
    if (i == 0) {
      if (v[kSource].empty()) return bad(order_plan, {kSource, "source is empty"});
      if (v[kOrderId].empty()) return bad(order_plan, {kOrderId, "order_id is empty"});
      e = read_order_head(ctx, v, head);
    } else if (v[kSource] != head.source || v[kOrderId] != head.order_id) {
      return bad(order_plan, {kOrderId, fmt::format("line {} of \"lines\" belongs to order "
                                                    "{}:{}; a record is one order ({}:{})",
                                                    i + 1, v[kSource], v[kOrderId], head.source,
                                                    head.order_id)});
    } else {
      e = check_same_order(ctx, v, head, row.line);
    }
    OrderItem item;
    if (!e) e = read_order_item(v, item);
    if (e) return bad(order_plan, *e);
    items.push_back(item);
  }
  return Status();
}

Result<StreamResult> RecordStream::State::apply_order(std::string_view json, std::uint32_t line) {
  reader.rows(order_plan, json, line, rows);
  OrderHead head;
  RETURN_IF_ERROR(read_order(head));
  StreamResult r;
  r.kind = StreamKind::kOrder;
  r.key = loyalty::order_key(head.source, head.order_id);
  ASSIGN_OR_RETURN(bool present, orders.exists(head.source, head.order_id));
  if (present) {
    r.duplicate = true;
    if (!engine) return r;
    ASSIGN_OR_RETURN(std::optional<loyalty::OrderEffect> e, engine->applied_order(r.key));
    if (!e) return r;
    r.applied = true;
    r.member = e->member;
    r.points = e->points;
    r.growth = e->growth;
    r.tier = e->tier_after;
    return r;
  }
  ASSIGN_OR_RETURN(OrderWriter::Written w, orders.write(ctx, head, items, &categories));
  r.member = w.member;
  if (engine && w.member != kGuest) RETURN_IF_ERROR(earn(head, w, r));
  return r;
}

// What apply_pending does for the order: LoyaltyEngine::apply_order on the stored lines.
Status RecordStream::State::earn(const OrderHead& head, const OrderWriter::Written& w,
                                 StreamResult& r) {
  loyalty::OrderInput& in = order_input;
  in.key = r.key;
  in.order_pk = w.pk;
  in.member = w.member;
  in.paid_at = head.paid_at;
  in.lines.clear();
  for (std::size_t k = 0; k < items.size(); ++k) {
    in.lines.push_back(loyalty::OrderLineInput{static_cast<std::int64_t>(k) + 1,
                                               std::string(items[k].sku), categories[k],
                                               items[k].amount});
  }
  ASSIGN_OR_RETURN(loyalty::OrderEffect e, engine->apply_order(in));
  r.applied = true;
  r.member = e.member;
  r.points = e.points;
  r.growth = e.growth;
  r.tier = e.tier_after;
  return Status();
}

Result<StreamResult> RecordStream::State::apply_refund(std::string_view json, std::uint32_t line) {
  using namespace refund_field;
  reader.rows(refund_plan, json, line, rows);
  if (rows.size() != 1)
    return invalid_argument("a refund is one object; \"lines\" belongs to orders");
  const SourceRow& row = rows.front();
  if (!row.malformed.empty()) return invalid_argument(row.malformed);
  const auto& v = row.values;
  ASSIGN_OR_RETURN(RefundWriter::Outcome out, refunds.write(ctx, v));
  if (out.kind == RefundWriter::Kind::kRejected) return bad(refund_plan, out.error);
  StreamResult r;
  r.kind = StreamKind::kRefund;
  r.key = loyalty::order_key(v[kSource], v[kRefundId]);
  r.order_key = loyalty::order_key(v[kSource], v[kOrderId]);
  if (out.kind == RefundWriter::Kind::kPresent) {
    r.duplicate = true;
    if (!engine) return r;
    // What it took back when it was applied, as a duplicate order says what it earned.
    ASSIGN_OR_RETURN(std::optional<loyalty::RefundEffect> e, engine->applied_refund(r.key));
    if (!e) return r;
    r.applied = true;
    r.member = e->member;
    r.points = -e->points_clawed;
    r.growth = -e->growth_clawed;
    r.tier = e->tier_after;
    return r;
  }
  r.member = out.refund.member;
  if (!engine || r.member == kGuest) return r;
  loyalty::RefundInput in{
      r.key,        out.refund.refund_pk, r.order_key, out.refund.line_no, out.refund.amount,
      out.refund.at};
  ASSIGN_OR_RETURN(loyalty::AppliedRefund a, cascade->apply(in));
  r.applied = true;
  r.member = a.member;
  r.points = -a.points_clawed;
  r.growth = -a.growth_clawed;
  r.tier = a.tier_after;
  return r;
}

}  // namespace recur::ingest
