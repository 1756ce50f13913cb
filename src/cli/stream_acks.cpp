#include "cli/stream_acks.h"

#include <fmt/format.h>

#include "core/json_writer.h"

namespace recur::cli {

std::string StreamAcks::ok_text(std::uint32_t line, const ingest::StreamResult& r) const {
  const bool refund = r.kind == ingest::StreamKind::kRefund;
  if (json_) {
    JsonWriter w;
    w.begin_object()
        .field("line", static_cast<std::int64_t>(line))
        .field("ok", true)
        .field("kind", refund ? "refund" : "order")
        .field("key", r.key);
    if (refund) w.field("order", r.order_key);
    w.field("duplicate", r.duplicate)
        .field("member", r.member)
        .field("applied", r.applied)
        .field("points", r.points)
        .field("growth", r.growth)
        .field("tier", r.tier)
        .end_object();
    return w.str();
  }
  std::string s = fmt::format("ok {} {}", line, r.key);
  if (refund) s += fmt::format(" refund of {}", r.order_key);
  if (r.duplicate) s += " duplicate";
  if (r.applied)
    s += fmt::format(" points={} growth={} tier={}", r.points, r.growth, r.tier);
  else if (!r.duplicate)
    s += r.member == kGuest ? " guest" : " stored";  // a guest earns nothing; no program loaded
  return s;
}

std::string StreamAcks::error_text(std::uint32_t line, std::string_view why,
                                   std::string_view label) const {
  if (json_) {
    JsonWriter w;
    w.begin_object()
        .field("line", static_cast<std::int64_t>(line))
        .field("ok", false)
        .field("error", why)
        .end_object();
    return w.str();
  }
  return fmt::format("error {}: {} ({})", line, why, label);
}

void StreamAcks::accepted(std::uint32_t line, store::GroupCommit::Ticket ticket,
                          const ingest::StreamResult& r) {
  ++counts_.records;
  queue_.push_back(Ack{line, ticket, ok_text(line, r), r.duplicate});
}

void StreamAcks::rejected(std::uint32_t line, const Status& why) {
  ++counts_.records;
  ++counts_.rejected;
  queue_.push_back(
      Ack{line, 0, error_text(line, why.message(), "记录被拒绝 record rejected"), false});
}

void StreamAcks::settled(const store::GroupOutcome& g) {
  if (g.status.ok()) {
    ++counts_.groups;
    return;
  }
  ++counts_.failed_groups;
  failed_.push_back(Failed{g.first, g.last, g.status});
}

const Status* StreamAcks::failure_of(store::GroupCommit::Ticket ticket) const {
  for (const Failed& f : failed_)
    if (ticket >= f.first && ticket <= f.last) return &f.why;
  return nullptr;
}

void StreamAcks::drain(store::GroupCommit::Ticket committed) {
  bool wrote = false;
  while (!queue_.empty()) {
    const Ack& a = queue_.front();
    if (a.ticket != 0) {
      if (const Status* why = failure_of(a.ticket)) {
        ++counts_.not_committed;
        std::fprintf(
            out_, "%s\n",
            error_text(a.line, "not committed: " + why->message(), "未提交 not committed").c_str());
      } else if (a.ticket <= committed) {
        ++(a.duplicate ? counts_.duplicates : counts_.stored);
        std::fprintf(out_, "%s\n", a.text.c_str());
      } else {
        break;  // its group has not committed yet
      }
    } else {
      std::fprintf(out_, "%s\n", a.text.c_str());
    }
    queue_.pop_front();
    wrote = true;
  }
  if (wrote) std::fflush(out_);
}

}  // namespace recur::cli
