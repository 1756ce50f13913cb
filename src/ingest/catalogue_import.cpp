// Products and stores: upserts keyed by sku / store_id. A row identical to what is stored is
// "skipped", so re-importing a file changes nothing.

#include <fmt/format.h>

#include "core/money.h"
#include "ingest/field_parsers.h"
#include "ingest/import_context.h"

namespace recur::ingest {
namespace {

enum ProductField : int { kSku, kName, kCategory, kBrand, kPrice, kConsumable, kUnit };
enum StoreField : int { kStoreId, kStoreName, kKind, kCity, kOpenedAt };

}  // namespace

Status import_products(ImportContext& ctx, RecordSource& src, ImportSummary& sum) {
  struct P {
    std::string_view sku, name, category, brand, unit;
    std::optional<Fen> price;
    bool consumable;
  };
  std::vector<P> recs;
  SourceRow row;
  while (src.next(row)) {
    ++sum.rows;
    auto fail = [&](int field, std::string reason) {
      ctx.reject(sum, src, row, field, std::move(reason));
    };
    if (!row.malformed.empty()) {
      fail(-1, row.malformed);
      continue;
    }
    const auto& v = row.values;
    P p{v[kSku], v[kName], v[kCategory], v[kBrand], v[kUnit], std::nullopt, false};
    if (p.sku.empty()) {
      fail(kSku, "sku is empty");
      continue;
    }
    if (!v[kPrice].empty()) {
      auto m = parse_money(v[kPrice]);
      if (!m.ok()) {
        fail(kPrice, "price: " + m.status().message());
        continue;
      }
      if (*m < 0) {
        fail(kPrice, "price is negative");
        continue;
      }
      p.price = *m;
    }
    auto c = parse_bool_field(v[kConsumable]);
    if (!c.ok()) {
      fail(kConsumable, c.status().message());
      continue;
    }
    p.consumable = *c;
    if (!p.category.empty() && (p.category.front() == '/' || p.category.back() == '/' ||
                                p.category.find("//") != std::string_view::npos)) {
      fail(kCategory, fmt::format("category '{}' must be a path like 母婴/奶粉/三段", p.category));
      continue;
    }
    recs.push_back(p);
  }
  sum.rejected = static_cast<std::int64_t>(sum.errors.size());
  if (sum.rejected > 0 && !ctx.options.skip_bad) return Status();
  if (ctx.options.dry_run) return Status();
  ASSIGN_OR_RETURN(
      auto st,
      ctx.db.prepare(
          "INSERT INTO products (sku, name, category, brand, price_fen, consumable, unit) "
          "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (sku) DO UPDATE SET name = excluded.name, "
          "category = excluded.category, brand = excluded.brand, price_fen = excluded.price_fen, "
          "consumable = excluded.consumable, unit = excluded.unit "
          "WHERE products.name IS NOT excluded.name OR products.category IS NOT excluded.category "
          "OR products.brand IS NOT excluded.brand OR products.price_fen IS NOT excluded.price_fen "
          "OR products.consumable IS NOT excluded.consumable OR products.unit IS NOT "
          "excluded.unit"));
  RETURN_IF_ERROR(apply_in_chunks(ctx, recs.size(), 0.0, sum.rows, [&](std::size_t i) -> Status {
    const P& p = recs[i];
    st.reset();
    st.bind(1, p.sku)
        .bind_optional(2, p.name)
        .bind_optional(3, p.category)
        .bind_optional(4, p.brand);
    st.bind(5, p.price);
    st.bind(6, static_cast<std::int64_t>(p.consumable)).bind_optional(7, p.unit);
    RETURN_IF_ERROR(st.run());
    if (ctx.db.changes() > 0) {
      ++sum.applied;
      ++sum.records_applied;
    } else {
      ++sum.skipped;
    }
    return Status();
  }));
  sum.committed = true;
  return Status();
}

Status import_stores(ImportContext& ctx, RecordSource& src, ImportSummary& sum) {
  struct S {
    std::string_view id, name, kind, city;
    std::string opened;
  };
  std::vector<S> recs;
  SourceRow row;
  while (src.next(row)) {
    ++sum.rows;
    auto fail = [&](int field, std::string reason) {
      ctx.reject(sum, src, row, field, std::move(reason));
    };
    if (!row.malformed.empty()) {
      fail(-1, row.malformed);
      continue;
    }
    const auto& v = row.values;
    S s{v[kStoreId], v[kStoreName], v[kKind], v[kCity], {}};
    if (s.id.empty()) {
      fail(kStoreId, "store_id is empty");
      continue;
    }
    if (!s.kind.empty() && s.kind != "store" && s.kind != "online" && s.kind != "miniprogram" &&
        s.kind != "marketplace") {
      fail(kKind, fmt::format("'{}' is not a store kind (store, online, miniprogram, marketplace)",
                              s.kind));
      continue;
    }
    if (!v[kOpenedAt].empty()) {
      auto d = parse_date(v[kOpenedAt]);
      if (!d.ok()) {
        fail(kOpenedAt, d.status().message());
        continue;
      }
      s.opened = d->to_string();
    }
    recs.push_back(s);
  }
  sum.rejected = static_cast<std::int64_t>(sum.errors.size());
  if (sum.rejected > 0 && !ctx.options.skip_bad) return Status();
  if (ctx.options.dry_run) return Status();
  ASSIGN_OR_RETURN(
      auto st,
      ctx.db.prepare(
          "INSERT INTO stores (store_id, name, kind, city, opened_at) VALUES (?, ?, ?, ?, ?) "
          "ON CONFLICT (store_id) DO UPDATE SET name = excluded.name, kind = excluded.kind, "
          "city = excluded.city, opened_at = excluded.opened_at "
          "WHERE stores.name IS NOT excluded.name OR stores.kind IS NOT excluded.kind "
          "OR stores.city IS NOT excluded.city OR stores.opened_at IS NOT excluded.opened_at"));
  RETURN_IF_ERROR(apply_in_chunks(ctx, recs.size(), 0.0, sum.rows, [&](std::size_t i) -> Status {
    const S& s = recs[i];
    st.reset();
    st.bind(1, s.id)
        .bind_optional(2, s.name)
        .bind_optional(3, s.kind)
        .bind_optional(4, s.city)
        .bind_optional(5, s.opened);
    RETURN_IF_ERROR(st.run());
    if (ctx.db.changes() > 0) {
      ++sum.applied;
      ++sum.records_applied;
    } else {
      ++sum.skipped;
    }
    return Status();
  }));
  sum.committed = true;
  return Status();
}

}  // namespace recur::ingest
