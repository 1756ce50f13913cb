#include "insight/history_loader.h"

#include <functional>
#include <string_view>
#include <unordered_map>

#include "store/settings.h"

namespace recur::insight {
namespace {

// Lets the SKU map be searched with the text SQLite returns, without a copy.
struct TextHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

}  // namespace

Result<History> load_history(store::Database& db, const LoadOptions& options) {
  HistoryBuilder b;
  ASSIGN_OR_RETURN(TimeZone zone, store::merchant_time_zone(db));
  {
    ASSIGN_OR_RETURN(
        auto st,
        db.prepare(
            "SELECT member_id, registered_at, gender, birthday, city, consent_sms, consent_wechat, "
            "consent_app, consent_email FROM members WHERE merged_into IS NULL ORDER BY "
            "member_id"));
    while (true) {
      ASSIGN_OR_RETURN(bool row, st.step());
      if (!row) break;
      HistoryBuilder::MemberRow m;
      m.id = st.column_int64(0);
      if (!st.column_is_null(1))
        m.registered_day = zone.local_date(Instant{st.column_int64(1)}).days;
      std::string_view g = st.column_text(2);
      m.gender = g == "m" ? 1 : g == "f" ? 2 : 0;
      if (!st.column_is_null(3)) {
        auto d = parse_date(st.column_text(3));
        if (d.ok()) m.birthday = d->days;
      }
      m.city = st.column_text(4);
      for (int c = 0; c < 4; ++c)
        if (st.column_int64(5 + c)) m.consent |= static_cast<std::uint8_t>(1u << c);
      b.add_member(m);
    }
  }
  // Orders in key order; order_pk -> builder handle.
  std::vector<std::uint32_t> handle;
  {
    ASSIGN_OR_RETURN(auto st, db.prepare("SELECT order_pk, member_id, paid_day, paid_fen, "
                                         "discount_fen, channel, store_id, item_qty "
                                         "FROM orders ORDER BY order_pk"));
    while (true) {
      ASSIGN_OR_RETURN(bool row, st.step());
      if (!row) break;
      auto pk = static_cast<std::size_t>(st.column_int64(0));
      if (pk >= handle.size()) handle.resize(std::max(pk + 1, handle.size() * 2), UINT32_MAX);
      handle[pk] = b.add_order(st.column_int64(1), static_cast<std::int32_t>(st.column_int64(2)),
                               st.column_int64(3), st.column_int64(4), st.column_text(5),
                               st.column_text(6), static_cast<std::uint32_t>(st.column_int64(7)));
    }
  }
  {
    // One pass over the catalogue: which categories hold a consumable product, and which SKUs
    // replenishment by SKU tracks (the consumable ones; every SKU when none is marked).
    std::unordered_map<std::string, bool> consumable;
    std::unordered_map<std::string, std::uint32_t, TextHash, std::equal_to<>> tracked;
    ASSIGN_OR_RETURN(auto ps, db.prepare("SELECT sku, category, consumable FROM products"));
    while (true) {
      ASSIGN_OR_RETURN(bool row, ps.step());
      if (!row) break;
      const bool c = ps.column_int64(2) != 0;
      bool& any = consumable[ps.column_string(1)];
      any = any || c;
      if (c && options.skus) tracked.emplace(ps.column_string(0), b.sku_code(ps.column_text(0)));
    }
    const bool every_sku = options.skus && tracked.empty();
    const bool any_sku = every_sku || !tracked.empty();
    ASSIGN_OR_RETURN(auto st,
                     db.prepare(any_sku ? "SELECT order_pk, category, qty, amount_fen, sku FROM "
                                          "order_lines"
                                        : "SELECT order_pk, category, qty, amount_fen FROM "
                                          "order_lines"));
    std::string last_category;
    bool last_consumable = false;
    while (true) {
      ASSIGN_OR_RETURN(bool row, st.step());
      if (!row) break;
      auto pk = static_cast<std::size_t>(st.column_int64(0));
      if (pk >= handle.size() || handle[pk] == UINT32_MAX) continue;
      std::string_view category = st.column_text(1);
      if (category != last_category) {
        last_category = std::string(category);
        auto it = consumable.find(last_category);
        last_consumable = it != consumable.end() && it->second;
      }
      std::uint32_t sku = Dictionary::kNone;
      if (every_sku) {
        sku = b.sku_code(st.column_text(4));
      } else if (any_sku) {
        auto it = tracked.find(st.column_text(4));
        if (it != tracked.end()) sku = it->second;
      }
      b.add_line(handle[pk], category, static_cast<std::int32_t>(st.column_int64(2)),
                 st.column_int64(3), last_consumable, sku);
    }
  }
  {
    ASSIGN_OR_RETURN(auto st, db.prepare("SELECT order_pk, refunded_at, amount_fen FROM refunds"));
    while (true) {
      ASSIGN_OR_RETURN(bool row, st.step());
      if (!row) break;
      auto pk = static_cast<std::size_t>(st.column_int64(0));
      if (pk >= handle.size() || handle[pk] == UINT32_MAX) continue;
      b.add_refund(handle[pk], zone.local_date(Instant{st.column_int64(1)}).days,
                   st.column_int64(2));
    }
  }
  {
    ASSIGN_OR_RETURN(auto st, db.prepare("SELECT member_id, at FROM events WHERE member_id <> 0"));
    while (true) {
      ASSIGN_OR_RETURN(bool row, st.step());
      if (!row) break;
      b.add_interaction(st.column_int64(0), zone.local_date(Instant{st.column_int64(1)}).days);
    }
  }
  return b.build();
}

}  // namespace recur::insight
