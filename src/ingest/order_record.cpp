#include "ingest/order_record.h"

#include <fmt/format.h>

#include "ingest/field_parsers.h"

namespace recur::ingest {

using namespace order_field;

std::optional<FieldError> read_order_head(const ImportContext& ctx,
                                          std::span<const std::string_view> v, OrderHead& head) {
  head.source = v[kSource];
  head.order_id = v[kOrderId];
  head.member_text = v[kMember];
  head.channel = v[kChannel];
  head.store_id = v[kStoreId];
  if (v[kPaidAt].empty()) return FieldError{kPaidAt, "paid_at is empty"};
  auto t = ctx.parse_time(v[kPaidAt]);
  if (!t.ok()) return FieldError{kPaidAt, t.status().message()};
  head.paid_at = *t;
  if (!is_valid_channel(head.channel)) {
    return FieldError{
        kChannel,
        fmt::format("'{}' is not a channel (online, miniprogram, store, marketplace:<name>)",
                    head.channel)};
  }
  auto ids = identity::parse_identities(head.member_text, ctx.options.member_kind);
  if (!ids.ok()) return FieldError{kMember, ids.status().message()};
  head.ids = std::move(ids).value();
  return std::nullopt;
}

std::optional<FieldError> check_same_order(const ImportContext& ctx,
                                           std::span<const std::string_view> v,
                                           const OrderHead& head, std::uint32_t first_line) {
  for (auto [field, first] :
       {std::pair{kMember, head.member_text}, std::pair{kChannel, head.channel},
        std::pair{kStoreId, head.store_id}}) {
    if (v[field] != first) {
      return FieldError{field,
                        fmt::format("'{}' differs from '{}' on line {}, the first line of order {}",
                                    v[field], first, first_line, head.order_id)};
    }
  }
  auto t = ctx.parse_time(v[kPaidAt]);
  if (!t.ok() || *t != head.paid_at) {
    return FieldError{kPaidAt,
                      fmt::format("paid_at '{}' differs from the first line of order {} (line {})",
                                  v[kPaidAt], head.order_id, first_line)};
  }
  return std::nullopt;
}

std::optional<FieldError> read_order_item(std::span<const std::string_view> v, OrderItem& ln) {
  ln.sku = v[kSku];
  ln.category = v[kCategory];
  if (ln.sku.empty()) return FieldError{kSku, "sku is empty"};
  auto qty = parse_int_field(v[kQty], 1, 1'000'000);
  if (!qty.ok()) return FieldError{kQty, "qty: " + qty.status().message()};
  ln.qty = *qty;
  if (!v[kUnitPrice].empty() && !parse_money_fast(v[kUnitPrice], ln.unit_price))
    return FieldError{kUnitPrice, "unit_price: " + parse_money(v[kUnitPrice]).status().message()};
  if (!parse_money_fast(v[kAmount], ln.amount))
    return FieldError{kAmount, "amount: " + parse_money(v[kAmount]).status().message()};
  if (v[kUnitPrice].empty()) {
    // Without a unit price the line is priced from its amount: amount ÷ qty rounded up to the
    // fen, the rounding kept as discount (0 ≤ discount < qty fen).
    if (ln.amount < 0) return FieldError{kAmount, "amount is negative"};
    ln.unit_price = (ln.amount + ln.qty - 1) / ln.qty;
  }
  const Fen gross = ln.qty * ln.unit_price;
  if (v[kDiscount].empty()) {
    ln.discount = gross - ln.amount;
  } else if (!parse_money_fast(v[kDiscount], ln.discount)) {
    return FieldError{kDiscount, "discount: " + parse_money(v[kDiscount]).status().message()};
  }
  if (ln.unit_price < 0) return FieldError{kUnitPrice, "unit_price is negative"};
  if (ln.amount < 0) return FieldError{kAmount, "amount is negative"};
  if (ln.discount < 0) {
    return FieldError{
        kDiscount,
        fmt::format("discount {} is negative (amount {} exceeds qty × unit_price {})",
                    format_money(ln.discount), format_money(ln.amount), format_money(gross))};
  }
  if (gross - ln.discount != ln.amount) {
    return FieldError{kAmount,
                      fmt::format("amount {} ≠ qty × unit_price − discount = {} × {} − {} = {}",
                                  format_money(ln.amount), ln.qty, format_money(ln.unit_price),
                                  format_money(ln.discount), format_money(gross - ln.discount))};
  }
  return std::nullopt;
}

Status OrderWriter::prepare() {
  ASSIGN_OR_RETURN(exists_st_,
                   db_.prepare("SELECT 1 FROM orders WHERE source = ? AND order_id = ?"));
  ASSIGN_OR_RETURN(order_st_,
                   db_.prepare("INSERT INTO orders (source, order_id, member_id, member_ref, "
                               "channel, store_id, paid_at, paid_day, "
                               "gross_fen, discount_fen, paid_fen, line_count, item_qty, batch_id) "
                               "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  ASSIGN_OR_RETURN(line_st_,
                   db_.prepare("INSERT INTO order_lines (order_pk, line_no, member_id, sku, "
                               "category, qty, unit_price_fen, "
                               "discount_fen, amount_fen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  ASSIGN_OR_RETURN(category_st_, db_.prepare("SELECT category FROM products WHERE sku = ?"));
  return Status();
}

Result<bool> OrderWriter::exists(std::string_view source, std::string_view order_id) {
  exists_st_.rewind();
  exists_st_.bind_text_static(1, source).bind_text_static(2, order_id);
  return exists_st_.exists();
}

Result<std::string_view> OrderWriter::category_of(std::string_view sku) {
  auto it = category_cache_.find(sku);
  if (it == category_cache_.end()) {
    category_st_.reset();
    category_st_.bind_text_static(1, sku);
    ASSIGN_OR_RETURN(bool found, category_st_.step());
    it = category_cache_.emplace(sku, found ? category_st_.column_string(0) : std::string()).first;
    category_st_.reset();
  }
  return std::string_view(it->second);
}

Result<OrderWriter::Written> OrderWriter::write(ImportContext& ctx, const OrderHead& o,
                                                std::span<const OrderItem> items,
                                                std::vector<std::string>* categories) {
  Written w;
  ref_.clear();
  if (!o.ids.empty()) {
    ASSIGN_OR_RETURN(identity::Resolution res, ctx.resolver.resolve(o.ids, [&o] {
      return fmt::format("order {}:{}", o.source, o.order_id);
    }));
    w.member = res.member;
    ref_.assign(o.ids.front().kind).append(":").append(o.ids.front().value);
  }
  Fen gross = 0, discount = 0, paid = 0;
  std::int64_t qty = 0;
  for (const OrderItem& ln : items) {
    gross += ln.qty * ln.unit_price;
    discount += ln.discount;
    paid += ln.amount;
    qty += ln.qty;
  }
  order_st_.rewind();
  order_st_.bind_text_static(1, o.source).bind_text_static(2, o.order_id).bind(3, w.member);
  if (ref_.empty())
    order_st_.bind(4, std::nullopt);
  else
    order_st_.bind_text_static(4, ref_);
  order_st_.bind_text_static(5, o.channel)
      .bind_optional_static(6, o.store_id)
      .bind(7, o.paid_at.seconds)
      .bind(8, static_cast<std::int64_t>(ctx.zone.local_date(o.paid_at).days))
      .bind(9, gross)
      .bind(10, discount)
      .bind(11, paid)
      .bind(12, static_cast<std::int64_t>(items.size()))
      .bind(13, qty);
  if (ctx.batch_id > 0)
    order_st_.bind(14, ctx.batch_id);
  else
    order_st_.bind(14, std::nullopt);
  RETURN_IF_ERROR(order_st_.run());
  w.pk = db_.last_insert_rowid();
  if (categories) categories->clear();
  for (std::size_t k = 0; k < items.size(); ++k) {
    const OrderItem& ln = items[k];
    std::string_view category = ln.category;
    if (category.empty()) {
      ASSIGN_OR_RETURN(category, category_of(ln.sku));
    }
    if (categories) categories->emplace_back(category);
    line_st_.rewind();
    line_st_.bind(1, w.pk)
        .bind(2, static_cast<std::int64_t>(k) + 1)
        .bind(3, w.member)
        .bind_text_static(4, ln.sku)
        .bind_optional_static(5, category)
        .bind(6, ln.qty)
        .bind(7, ln.unit_price)
        .bind(8, ln.discount)
        .bind(9, ln.amount);
    RETURN_IF_ERROR(line_st_.run());
  }
  return w;
}

}  // namespace recur::ingest
