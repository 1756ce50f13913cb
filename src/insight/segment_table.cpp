#include "insight/segment_table.h"

#include <optional>

#include "insight/parallel.h"

namespace recur::insight {

Result<segment::ProfileTable> build_segment_table(const TagContext& ctx,
                                                  std::string_view expression) {
  const History& h = ctx.history;
  const std::size_t n = h.members();
  segment::ProfileTableBuilder b(h.member_id);
  for (const TagDef& def : tag_registry()) {
    if (!expression.empty() && expression.find(def.name) == std::string_view::npos) continue;
    segment::ColumnInfo info{def.name, def.type == TagType::kMoney ? "fen" : "", def.description};
    std::vector<TagValue> values(n);
    parallel_chunks(n, choose_threads(0, n), [&](std::size_t begin, std::size_t end, int) {
      for (std::size_t m = begin; m < end; ++m) values[m] = def.value(ctx, m);
    });
    std::vector<std::uint8_t> nulls(n, 0);
    for (std::size_t m = 0; m < n; ++m)
      nulls[m] = std::holds_alternative<std::monostate>(values[m]);
    switch (def.type) {
      case TagType::kInt:
      case TagType::kMoney: {
        std::vector<std::int64_t> v(n, 0);
        for (std::size_t m = 0; m < n; ++m)
          if (auto* x = std::get_if<std::int64_t>(&values[m])) v[m] = *x;
        b.add_int64(info, std::move(v), nulls);
        break;
      }
      case TagType::kDouble: {
        std::vector<double> v(n, 0);
        for (std::size_t m = 0; m < n; ++m)
          if (auto* x = std::get_if<double>(&values[m])) v[m] = *x;
        b.add_double(info, std::move(v), nulls);
        break;
      }
      case TagType::kBool: {
        std::vector<std::uint8_t> v(n, 0);
        for (std::size_t m = 0; m < n; ++m)
          if (auto* x = std::get_if<bool>(&values[m])) v[m] = *x;
        b.add_bool(info, v, nulls);
        break;
      }
      case TagType::kDate: {
        std::vector<Date> v(n);
        for (std::size_t m = 0; m < n; ++m)
          if (auto* x = std::get_if<DateValue>(&values[m])) v[m] = Date{x->days};
        b.add_date(info, v, nulls);
        break;
      }
      case TagType::kString: {
        std::vector<std::optional<std::string>> v(n);
        for (std::size_t m = 0; m < n; ++m)
          if (auto* x = std::get_if<std::string>(&values[m])) v[m] = std::move(*x);
        b.add_string(info, v);
        break;
      }
      case TagType::kStringSet: {
        std::vector<std::optional<std::vector<std::string>>> v(n);
        for (std::size_t m = 0; m < n; ++m)
          if (auto* x = std::get_if<std::vector<std::string>>(&values[m])) v[m] = std::move(*x);
        b.add_string_set(info, v);
        break;
      }
    }
  }
  return std::move(b).finish();
}

}  // namespace recur::insight
