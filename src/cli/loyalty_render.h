#pragma once
// Rendering shared by the loyalty commands (points, check, wallet): the points and stored-value
// liabilities.

#include <cstdio>

#include "core/json_writer.h"
#include "core/money.h"
#include "loyalty/check.h"

namespace recur::cli {

inline void print_liability_text(const loyalty::Liability& l) {
  std::printf(
      "  liability 积分负债 %lld points held by %lld members (usable %lld, pending %lld) "
      "worth ¥%s\n",
      static_cast<long long>(l.points), static_cast<long long>(l.members),
      static_cast<long long>(l.usable), static_cast<long long>(l.pending),
      format_money(l.value_fen).c_str());
  for (const auto& t : l.tiers)
    std::printf("    %-10s %-10s %8lld members %12lld points at %4lld/¥1 = ¥%s\n", t.tier.c_str(),
                t.name.c_str(), static_cast<long long>(t.members), static_cast<long long>(t.points),
                static_cast<long long>(t.points_per_yuan), format_money(t.value_fen).c_str());
  if (l.expired_unswept)
    std::printf("    expired, not yet written off (run recur points expire): %lld points\n",
                static_cast<long long>(l.expired_unswept));
  if (l.debt)
    std::printf("    owed by members (negative balances): %lld points\n",
                static_cast<long long>(l.debt));
}

inline void write_liability_json(JsonWriter& w, const loyalty::Liability& l) {
  w.begin_object()
      .field("points", l.points)
      .field("usable", l.usable)
      .field("pending", l.pending)
      .field("members", l.members)
      .field("value_fen", l.value_fen)
      .field("value", format_money(l.value_fen))
      .field("expired_unswept", l.expired_unswept)
      .field("debt", l.debt);
  w.key("tiers").begin_array();
  for (const auto& t : l.tiers)
    w.begin_object()
        .field("tier", t.tier)
        .field("name", t.name)
        .field("members", t.members)
        .field("points", t.points)
        .field("points_per_yuan", t.points_per_yuan)
        .field("value_fen", t.value_fen)
        .end_object();
  w.end_array().end_object();
}

inline void print_wallet_liability_text(const loyalty::WalletLiability& w) {
  std::printf(
      "  stored value owed 储值负债 ¥%s held by %lld members: principal 本金 ¥%s · bonus 赠送 "
      "¥%s · cashback 消费金 ¥%s\n",
      format_money(w.owed_fen).c_str(), static_cast<long long>(w.members),
      format_money(w.principal_fen).c_str(), format_money(w.bonus_fen).c_str(),
      format_money(w.cashback_fen).c_str());
  if (w.cashback_expired_fen)
    std::printf(
        "    cashback expired, not yet written off (run recur wallet cashback expire): ¥%s\n",
        format_money(w.cashback_expired_fen).c_str());
}

inline void write_wallet_liability_json(JsonWriter& w, const loyalty::WalletLiability& l) {
  w.begin_object()
      .field("owed_fen", l.owed_fen)
      .field("owed", format_money(l.owed_fen))
      .field("principal_fen", l.principal_fen)
      .field("bonus_fen", l.bonus_fen)
      .field("cashback_fen", l.cashback_fen)
      .field("cashback_expired_fen", l.cashback_expired_fen)
      .field("members", l.members)
      .end_object();
}

}  // namespace recur::cli
