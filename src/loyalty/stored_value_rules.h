#pragma once
// The `stored_value:` section of the program file (储值 and 消费金返利): top-up bonus rules,
// top-up limits, the order in which a payment draws on the balances, what a withdrawal does to
// the bonus, and cashback. Parsed and validated with the rest of the program (program.cpp);
// docs/loyalty.md lists every key in an operator's words.
//
// Units: money is fen (the file says yuan); the cashback rate is an exact decimal in milli
// (20 = 2%); days are business days in the merchant's time zone.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/money.h"

namespace recur::loyalty {

// 充 500 送 50: a top-up paying at least `pay_fen` gets `bonus_fen`. The highest matching rule
// (largest pay_fen the top-up reaches, among those open to the member's tier) applies.
struct TopupBonusRule {
  Fen pay_fen = 0;
  Fen bonus_fen = 0;
  std::vector<std::string> tiers;  // tier keys; empty = every tier
};

// How a payment splits between the bonus and the principal (cashback: see CashbackRules).
enum class SpendOrder {
  kPrincipalFirst,  // the member's own money first, the bonus when it runs out
  kBonusFirst,      // the bonus first
  kProportional,    // in proportion to the two balances; the fen add up exactly
};

// What withdrawing (refunding) a top-up does with the bonus it came with. Either way the bonus
// still left of that top-up is forfeited.
enum class WithdrawalPolicy {
  kForfeitBonus,      // principal left is paid back in full; bonus already spent is not charged
  kDeductSpentBonus,  // bonus of that top-up already spent is deducted from the principal paid
};

struct CashbackRules {
  bool enabled = false;
  std::int64_t rate_milli = 0;          // share of the eligible net paid: 20 = 2%
  Fen per_order_cap_fen = 0;            // 0 = none
  std::vector<std::string> categories;  // category path prefixes that earn; empty = all
  std::vector<std::string> channels;    // order channels that earn; empty = all
  int valid_days = 90;                  // usable through the earning day + N
  bool spend_first = true;              // cashback pays before bonus and principal
};

struct StoredValueRules {
  bool enabled = false;  // the section is present
  Fen min_topup_fen = 100;
  Fen max_topup_fen = 5'000'000;      // ¥50,000
  std::vector<TopupBonusRule> bonus;  // ascending pay_fen
  SpendOrder spend_order = SpendOrder::kPrincipalFirst;
  WithdrawalPolicy withdrawal = WithdrawalPolicy::kForfeitBonus;
  CashbackRules cashback;
};

std::string_view spend_order_name(SpendOrder o);              // principal_first, bonus_first, …
std::string_view withdrawal_policy_name(WithdrawalPolicy p);  // forfeit_bonus, deduct_spent_bonus

}  // namespace recur::loyalty
