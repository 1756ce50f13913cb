// recur init — create the store and set the merchant's time zone.

#include <cstdio>

#include "cli/cli_context.h"
#include "store/settings.h"

namespace recur::cli {

void register_init(Command& app, Context& ctx) {
  auto tz = std::make_shared<std::string>();
  Command* cmd =
      app.add_subcommand("init", "create the database and set merchant settings (初始化)");
  cmd->add_option("--timezone", *tz, "merchant time zone (default Asia/Shanghai)");
  cmd->callback([&ctx, tz] {
    auto db = ctx.open_db();
    if (!db.ok()) throw Exit{report(db.status())};
    if (!tz->empty()) {
      auto zone = TimeZone::load(*tz);
      if (!zone.ok()) throw Exit{report(zone.status())};
      if (auto s = store::set_setting(**db, "timezone", *tz); !s.ok()) throw Exit{report(s)};
    }
    auto zone = store::merchant_time_zone(**db);
    if (!zone.ok()) throw Exit{report(zone.status())};
    std::printf("%s ready (time zone %s)\n", (*db)->path().c_str(), zone->name().c_str());
    throw Exit{kExitOk};
  });
}

}  // namespace recur::cli
