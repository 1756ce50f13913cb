#include "insight/history.h"

#include <algorithm>
#include <numeric>

namespace recur::insight {

std::uint32_t Dictionary::intern(std::string_view s) {
  if (s.empty()) return kNone;
  auto it = index_.find(std::string(s));
  if (it != index_.end()) return it->second;
  auto code = static_cast<std::uint32_t>(values_.size());
  values_.emplace_back(s);
  index_.emplace(values_.back(), code);
  return code;
}

std::uint32_t Dictionary::find(std::string_view s) const {
  auto it = index_.find(std::string(s));
  return it == index_.end() ? kNone : it->second;
}

std::size_t Dictionary::bytes() const {
  std::size_t n = values_.capacity() * sizeof(std::string);
  for (const auto& v : values_) n += v.capacity() > 15 ? v.capacity() + 1 : 0;
  // The index: a node per entry (key, code, hash, next) and a bucket array.
  n += index_.size() * (sizeof(std::string) + 2 * sizeof(void*) + sizeof(std::uint32_t)) +
       index_.bucket_count() * sizeof(void*);
  for (const auto& [k, code] : index_) n += k.capacity() > 15 ? k.capacity() + 1 : 0;
  return n;
}

namespace {
template <typename... V>
std::size_t column_bytes(const V&... v) {
  return (... + (v.capacity() * sizeof(typename V::value_type)));
}
}  // namespace

std::size_t History::bytes() const {
  return column_bytes(member_id, registered_day, gender, birthday, city, consent) +
         column_bytes(order_begin, order_day, order_paid, order_discount, order_channel,
                      order_store, order_items) +
         column_bytes(day_begin, day, day_paid, day_orders) +
         column_bytes(line_begin, line_day, line_category, line_qty, line_amount) +
         column_bytes(sku_begin, sku_day, sku_code, sku_qty, sku_category) +
         column_bytes(refund_begin, refund_day, refund_order_day, refund_amount, refund_order) +
         column_bytes(guest_day, guest_paid, guest_channel, guest_store, guest_refund_day,
                      guest_refund_amount, guest_refund_order) +
         column_bytes(category_top, category_mid, category_consumable, interaction_begin,
                      interaction_day, id_to_index) +
         categories.bytes() + top_categories.bytes() + mid_categories.bytes() + channels.bytes() +
         stores.bytes() + cities.bytes() + skus.bytes();
}

std::size_t History::days_until(std::size_t m, std::int32_t as_of) const {
  auto d = days_of(m);
  return static_cast<std::size_t>(std::upper_bound(d.begin(), d.end(), as_of) - d.begin());
}

std::size_t History::index_of(MemberId id) const {
  if (id < 0 || static_cast<std::size_t>(id) >= id_to_index.size()) return SIZE_MAX;
  std::uint32_t i = id_to_index[static_cast<std::size_t>(id)];
  return i == UINT32_MAX ? SIZE_MAX : i;
}

void HistoryBuilder::add_member(const MemberRow& row) {
  auto idx = static_cast<std::uint32_t>(h_.member_id.size());
  h_.member_id.push_back(row.id);
  h_.registered_day.push_back(row.registered_day);
  h_.gender.push_back(row.gender);
  h_.birthday.push_back(row.birthday);
  h_.city.push_back(h_.cities.intern(row.city));
  h_.consent.push_back(row.consent);
  if (row.id >= 0) {
    auto id = static_cast<std::size_t>(row.id);
    if (id >= h_.id_to_index.size()) h_.id_to_index.resize(id + 1, UINT32_MAX);
    h_.id_to_index[id] = idx;
  }
}

std::uint32_t HistoryBuilder::add_order(MemberId member, std::int32_t day, Fen paid, Fen discount,
                                        std::string_view channel, std::string_view store,
                                        std::uint32_t items) {
  std::size_t idx = member == kGuest ? SIZE_MAX : h_.index_of(member);
  orders_.push_back(Order{idx == SIZE_MAX ? UINT32_MAX : static_cast<std::uint32_t>(idx), day, paid,
                          discount, h_.channels.intern(channel), h_.stores.intern(store), items});
  return static_cast<std::uint32_t>(orders_.size() - 1);
}

std::uint32_t HistoryBuilder::category_code(std::string_view path, bool consumable) {
  std::uint32_t code = h_.categories.intern(path);
  if (code >= h_.category_top.size()) {
    h_.category_top.resize(code + 1, Dictionary::kNone);
    h_.category_mid.resize(code + 1, Dictionary::kNone);
    h_.category_consumable.resize(code + 1, 0);
    h_.category_top[code] = h_.top_categories.intern(path.substr(0, path.find('/')));
    auto first = path.find('/');
    auto second = first == std::string_view::npos ? first : path.find('/', first + 1);
    h_.category_mid[code] = h_.mid_categories.intern(path.substr(0, second));
  }
  if (consumable) h_.category_consumable[code] = 1;
  return code;
}

void HistoryBuilder::add_line(std::uint32_t order, std::string_view category, std::int32_t qty,
                              Fen amount, bool consumable, std::uint32_t sku) {
  const std::uint32_t code = category_code(category, consumable);
  lines_.push_back(Line{order, code, qty, amount});
  if (sku != Dictionary::kNone) {
    if (h_.sku_category[sku] == Dictionary::kNone) h_.sku_category[sku] = code;
    sku_lines_.push_back(SkuLine{order, sku, qty});
  }
}

std::uint32_t HistoryBuilder::sku_code(std::string_view sku) {
  const std::uint32_t code = h_.skus.intern(sku);
  if (code >= h_.sku_category.size()) h_.sku_category.resize(code + 1, Dictionary::kNone);
  return code;
}

void HistoryBuilder::add_sku(std::uint32_t order, std::uint32_t sku, std::string_view category,
                             std::int32_t qty) {
  if (sku == Dictionary::kNone) return;
  if (h_.sku_category[sku] == Dictionary::kNone)
    h_.sku_category[sku] = category_code(category, false);
  sku_lines_.push_back(SkuLine{order, sku, qty});
}

void HistoryBuilder::add_interaction(MemberId member, std::int32_t day) {
  std::size_t idx = h_.index_of(member);
  if (idx != SIZE_MAX) interactions_.emplace_back(static_cast<std::uint32_t>(idx), day);
}

void HistoryBuilder::add_refund(std::uint32_t order, std::int32_t day, Fen amount) {
  refunds_.push_back(Refund{order, day, amount});
}

namespace {

// Groups item indices by member with a counting sort; returns CSR offsets and the permutation.
template <typename MemberOf>
void group_by_member(std::size_t members, std::size_t items, MemberOf member_of,
                     std::vector<std::uint32_t>& begin, std::vector<std::uint32_t>& order) {
  begin.assign(members + 1, 0);
  for (std::size_t i = 0; i < items; ++i) {
    std::uint32_t m = member_of(i);
    if (m != UINT32_MAX) ++begin[m + 1];
  }
  std::partial_sum(begin.begin(), begin.end(), begin.begin());
  order.resize(begin[members]);
  std::vector<std::uint32_t> next(begin.begin(), begin.end() - 1);
  for (std::size_t i = 0; i < items; ++i) {
    std::uint32_t m = member_of(i);
    if (m != UINT32_MAX) order[next[m]++] = static_cast<std::uint32_t>(i);
  }
}

}  // namespace

History HistoryBuilder::build() {
  History& h = h_;
  const std::size_t n = h.members();
  if (h.category_top.empty()) {
    h.category_top.resize(1, Dictionary::kNone);
    h.category_mid.resize(1, Dictionary::kNone);
    h.category_consumable.resize(1, 0);
  }

  // Orders.
  std::vector<std::uint32_t> perm;
  group_by_member(
      n, orders_.size(), [&](std::size_t i) { return orders_[i].member; }, h.order_begin, perm);
  for (std::size_t m = 0; m < n; ++m) {
    std::stable_sort(
        perm.begin() + h.order_begin[m], perm.begin() + h.order_begin[m + 1],
        [&](std::uint32_t a, std::uint32_t b) { return orders_[a].day < orders_[b].day; });
  }
  const std::size_t no = perm.size();
  h.order_day.resize(no);
  h.order_paid.resize(no);
  h.order_discount.resize(no);
  h.order_channel.resize(no);
  h.order_store.resize(no);
  h.order_items.resize(no);
  for (std::size_t k = 0; k < no; ++k) {
    const Order& o = orders_[perm[k]];
    h.order_day[k] = o.day;
    h.order_paid[k] = o.paid;
    h.order_discount[k] = o.discount;
    h.order_channel[k] = o.channel;
    h.order_store[k] = o.store;
    h.order_items[k] = o.items;
  }
  // Where each order handle ended up, for refunds.
  std::vector<std::uint32_t> position(orders_.size(), UINT32_MAX);
  for (std::size_t k = 0; k < no; ++k) position[perm[k]] = static_cast<std::uint32_t>(k);
  for (std::size_t i = 0; i < orders_.size(); ++i) {
    const Order& o = orders_[i];
    if (o.member == UINT32_MAX) {
      position[i] = static_cast<std::uint32_t>(h.guest_day.size());
      h.guest_day.push_back(o.day);
      h.guest_paid.push_back(o.paid);
      h.guest_channel.push_back(o.channel);
      h.guest_store.push_back(o.store);
    }
    if (h.first_day == kNoDay || o.day < h.first_day) h.first_day = o.day;
    if (h.last_day == kNoDay || o.day > h.last_day) h.last_day = o.day;
  }

  // Purchase days.
  h.day_begin.assign(n + 1, 0);
  for (std::size_t m = 0; m < n; ++m) {
    h.day_begin[m] = static_cast<std::uint32_t>(h.day.size());
    for (std::uint32_t k = h.order_begin[m]; k < h.order_begin[m + 1]; ++k) {
      if (h.day.size() > h.day_begin[m] && h.day.back() == h.order_day[k]) {
        h.day_paid.back() += h.order_paid[k];
        ++h.day_orders.back();
      } else {
        h.day.push_back(h.order_day[k]);
        h.day_paid.push_back(h.order_paid[k]);
        h.day_orders.push_back(1);
      }
    }
  }
  h.day_begin[n] = static_cast<std::uint32_t>(h.day.size());

  // Lines, aggregated per (member, day, category).
  group_by_member(
      n, lines_.size(), [&](std::size_t i) { return orders_[lines_[i].order].member; },
      h.line_begin, perm);
  std::vector<std::uint32_t> begin_out(n + 1, 0);
  for (std::size_t m = 0; m < n; ++m) {
    auto first = perm.begin() + h.line_begin[m];
    auto last = perm.begin() + h.line_begin[m + 1];
    std::sort(first, last, [&](std::uint32_t a, std::uint32_t b) {
      std::int32_t da = orders_[lines_[a].order].day, db = orders_[lines_[b].order].day;
      return da != db ? da < db : lines_[a].category < lines_[b].category;
    });
    begin_out[m] = static_cast<std::uint32_t>(h.line_day.size());
    for (auto it = first; it != last; ++it) {
      const Line& l = lines_[*it];
      std::int32_t d = orders_[l.order].day;
      if (h.line_day.size() > begin_out[m] && h.line_day.back() == d &&
          h.line_category.back() == l.category) {
        h.line_qty.back() += l.qty;
        h.line_amount.back() += l.amount;
      } else {
        h.line_day.push_back(d);
        h.line_category.push_back(l.category);
        h.line_qty.push_back(l.qty);
        h.line_amount.push_back(l.amount);
      }
    }
  }
  begin_out[n] = static_cast<std::uint32_t>(h.line_day.size());
  h.line_begin = std::move(begin_out);

  // Tracked SKUs, aggregated per (member, SKU, day).
  group_by_member(
      n, sku_lines_.size(), [&](std::size_t i) { return orders_[sku_lines_[i].order].member; },
      h.sku_begin, perm);
  begin_out.assign(n + 1, 0);
  h.sku_day.reserve(sku_lines_.size());
  h.sku_code.reserve(sku_lines_.size());
  h.sku_qty.reserve(sku_lines_.size());
  for (std::size_t m = 0; m < n; ++m) {
    auto first = perm.begin() + h.sku_begin[m];
    auto last = perm.begin() + h.sku_begin[m + 1];
    std::sort(first, last, [&](std::uint32_t a, std::uint32_t b) {
      const SkuLine &x = sku_lines_[a], &y = sku_lines_[b];
      return x.sku != y.sku ? x.sku < y.sku : orders_[x.order].day < orders_[y.order].day;
    });
    begin_out[m] = static_cast<std::uint32_t>(h.sku_day.size());
    for (auto it = first; it != last; ++it) {
      const SkuLine& l = sku_lines_[*it];
      std::int32_t d = orders_[l.order].day;
      if (h.sku_day.size() > begin_out[m] && h.sku_day.back() == d && h.sku_code.back() == l.sku) {
        h.sku_qty.back() += l.qty;
      } else {
        h.sku_day.push_back(d);
        h.sku_code.push_back(l.sku);
        h.sku_qty.push_back(l.qty);
      }
    }
  }
  begin_out[n] = static_cast<std::uint32_t>(h.sku_day.size());
  h.sku_begin = std::move(begin_out);
  if (h.sku_category.empty()) h.sku_category.resize(1, Dictionary::kNone);

  // Refunds.
  group_by_member(
      n, refunds_.size(), [&](std::size_t i) { return orders_[refunds_[i].order].member; },
      h.refund_begin, perm);
  for (std::size_t m = 0; m < n; ++m) {
    std::stable_sort(
        perm.begin() + h.refund_begin[m], perm.begin() + h.refund_begin[m + 1],
        [&](std::uint32_t a, std::uint32_t b) { return refunds_[a].day < refunds_[b].day; });
  }
  for (std::uint32_t i : perm) {
    h.refund_day.push_back(refunds_[i].day);
    h.refund_order_day.push_back(orders_[refunds_[i].order].day);
    h.refund_amount.push_back(refunds_[i].amount);
    h.refund_order.push_back(position[refunds_[i].order]);
  }
  std::vector<std::uint32_t> guest_refunds;
  for (std::uint32_t i = 0; i < refunds_.size(); ++i)
    if (orders_[refunds_[i].order].member == UINT32_MAX) guest_refunds.push_back(i);
  std::stable_sort(
      guest_refunds.begin(), guest_refunds.end(),
      [&](std::uint32_t a, std::uint32_t b) { return refunds_[a].day < refunds_[b].day; });
  for (std::uint32_t i : guest_refunds) {
    h.guest_refund_day.push_back(refunds_[i].day);
    h.guest_refund_amount.push_back(refunds_[i].amount);
    h.guest_refund_order.push_back(position[refunds_[i].order]);
  }
  // Interactions: distinct days per member.
  std::sort(interactions_.begin(), interactions_.end());
  interactions_.erase(std::unique(interactions_.begin(), interactions_.end()), interactions_.end());
  h.interaction_begin.assign(n + 1, 0);
  for (const auto& [m, d] : interactions_) ++h.interaction_begin[m + 1];
  std::partial_sum(h.interaction_begin.begin(), h.interaction_begin.end(),
                   h.interaction_begin.begin());
  h.interaction_day.reserve(interactions_.size());
  for (const auto& [m, d] : interactions_) h.interaction_day.push_back(d);
  interactions_.clear();
  orders_.clear();
  lines_.clear();
  sku_lines_.clear();
  refunds_.clear();
  return std::move(h_);
}

}  // namespace recur::insight
