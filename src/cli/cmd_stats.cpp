// recur stats — what the store holds.

#include <cstdio>

#include "cli/cli_context.h"
#include "core/json_writer.h"
#include "core/money.h"
#include "store/stats.h"

namespace recur::cli {

void register_stats(Command& app, Context& ctx) {
  auto json = std::make_shared<bool>(false);
  Command* cmd = app.add_subcommand("stats", "row counts of the store (数据概况)");
  cmd->add_flag("--json", *json, "print JSON");
  cmd->callback([&ctx, json] {
    auto db = ctx.open_db(true);
    if (!db.ok()) throw Exit{report(db.status())};
    auto s = store::collect_stats(**db);
    if (!s.ok()) throw Exit{report(s.status())};
    if (*json) {
      JsonWriter w;
      w.begin_object()
          .field("members", s->members)
          .field("orders", s->orders)
          .field("order_lines", s->order_lines)
          .field("refunds", s->refunds)
          .field("events", s->events)
          .field("merges", s->merges)
          .field("identities", s->identities)
          .field("guest_orders", s->guest_orders)
          .field("products", s->products)
          .field("stores", s->stores)
          .field("paid_fen", s->paid_fen)
          .field("refunded_fen", s->refunded_fen)
          .field("unfinished_imports", s->unfinished_imports)
          .end_object();
      std::printf("%s\n", w.str().c_str());
    } else {
      std::printf("members 会员        %12lld  (%lld identities)\n",
                  static_cast<long long>(s->members), static_cast<long long>(s->identities));
      std::printf("orders 订单         %12lld  (%lld lines, %lld guest orders)\n",
                  static_cast<long long>(s->orders), static_cast<long long>(s->order_lines),
                  static_cast<long long>(s->guest_orders));
      std::printf("paid 实付           %15s yuan\n", format_money(s->paid_fen).c_str());
      std::printf("refunds 退款        %12lld  (%s yuan)\n", static_cast<long long>(s->refunds),
                  format_money(s->refunded_fen).c_str());
      std::printf("events 行为         %12lld\n", static_cast<long long>(s->events));
      std::printf("merges 合并         %12lld\n", static_cast<long long>(s->merges));
      std::printf("products 商品       %12lld\n", static_cast<long long>(s->products));
      std::printf("stores 门店         %12lld\n", static_cast<long long>(s->stores));
      if (s->unfinished_imports)
        std::printf(
            "unfinished imports  %12lld  (interrupted; run the same import again to finish)\n",
            static_cast<long long>(s->unfinished_imports));
    }
    throw Exit{kExitOk};
  });
}

}  // namespace recur::cli
