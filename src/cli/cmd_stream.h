#pragma once
// `recur order stream`: registered under `recur order` (cmd_order.cpp).

#include "cli/cli_context.h"

namespace recur::cli {

void register_order_stream(Command& order, Context& ctx);

}  // namespace recur::cli
