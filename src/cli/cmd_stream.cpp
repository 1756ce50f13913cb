// recur order stream — orders and refunds as NDJSON (stdin or --file), each stored and applied
// as it arrives and committed in groups (store::GroupCommit); one acknowledgement per record on
// stdout once its group committed, a summary on stderr. See docs/cli.md.

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>

#include "cli/cmd_stream.h"
#include "cli/line_reader.h"
#include "cli/stream_acks.h"
#include "core/monotonic_clock.h"
#include "ingest/record_stream.h"
#include "store/checkpointer.h"
#include "store/group_commit.h"

namespace recur::cli {
namespace {

struct StreamArgs {
  std::string file;  // empty: stdin
  double group_ms = 5;
  std::size_t group_max = 1000;
  bool json = false;
  std::string member_kind;  // kind of a bare member value
};

// A record's failure that says the store, not the record, is at fault: the stream stops.
bool store_failed(const Status& s) {
  return s.code() == StatusCode::kIoError || s.code() == StatusCode::kInternal;
}

// The input: --file or stdin.
class Input {
 public:
  static Result<std::unique_ptr<Input>> open(const std::string& file) {
    if (file.empty() || file == "-") return std::make_unique<Input>(STDIN_FILENO, false);
    int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
      return not_found(fmt::format("--file '{}': cannot open it (无法打开文件): {}", file,
                                   std::strerror(errno)));
    return std::make_unique<Input>(fd, true);
  }
  Input(int fd, bool owned) : fd_(fd), owned_(owned), reader_(fd) {}
  ~Input() {
    if (owned_) ::close(fd_);
  }
  Input(const Input&) = delete;
  Input& operator=(const Input&) = delete;
  LineReader& reader() { return reader_; }

 private:
  int fd_;
  bool owned_;
  LineReader reader_;
};

// Milliseconds to wait for input before the open group is due (-1: no group, wait for input).
int wait_ms(const store::GroupCommit& group) {
  std::optional<std::int64_t> ns = group.ns_until_due();
  if (!ns) return -1;
  return static_cast<int>((*ns + 999'999) / 1'000'000);
}

void print_summary(const StreamCounts& c, const store::CheckpointerStats& wal, double seconds) {
  std::fprintf(stderr,
               "order stream: %lld records — %lld applied, %lld duplicates, %lld rejected%s; "
               "groups committed: %lld%s; WAL checkpoints: %lld in the background, %lld inline "
               "(%.2f s)\n",
               static_cast<long long>(c.records), static_cast<long long>(c.stored),
               static_cast<long long>(c.duplicates), static_cast<long long>(c.rejected),
               c.not_committed ? fmt::format(", {} not committed", c.not_committed).c_str() : "",
               static_cast<long long>(c.groups),
               c.failed_groups ? fmt::format(", {} failed", c.failed_groups).c_str() : "",
               static_cast<long long>(wal.background), static_cast<long long>(wal.inline_runs),
               seconds);
}

int run_stream(Context& ctx, const StreamArgs& a) {
  if (!(a.group_ms >= 0))
    return report(invalid_argument("--group-ms must be 0 or more (0: a transaction per record)"));
  if (a.group_max < 1) return report(invalid_argument("--group-max must be at least 1"));
  auto input = Input::open(a.file);
  if (!input.ok()) return report(input.status());
  auto db = ctx.open_db();
  if (!db.ok()) return report(db.status());
  auto stream = ingest::RecordStream::open(**db, ctx.clock, a.member_kind);
  if (!stream.ok()) return report(stream.status());
  // In import_batches like an import: `recur stats` shows a stream still running (or killed).
  if (Status s = (*stream)->start_batch(a.file.empty() ? "stdin" : a.file); !s.ok())
    return report(s);
  if (!(*stream)->has_program()) {
    std::fprintf(stderr,
                 "order stream: no program loaded (未加载会员计划); records are stored "
                 "only, `recur loyalty apply` applies them later\n");
  }

  const auto started = std::chrono::steady_clock::now();
  SteadyClock clock;
  StreamAcks acks(stdout, a.json);
  store::GroupCommitOptions options;
  options.window_ns = static_cast<std::int64_t>(std::llround(a.group_ms * 1e6));
  options.max_units = a.group_max;
  options.on_begin = [&] { return (*stream)->begin_transaction(); };
  options.on_rollback = [&] { (*stream)->rolled_back(); };
  store::GroupCommit group(**db, clock, std::move(options),
                           [&](const store::GroupOutcome& g) { acks.settled(g); });
  // The WAL goes back into the database file on a thread of its own, not inside our COMMITs.
  auto checkpointer = store::Checkpointer::start(**db);
  if (!checkpointer.ok()) return report(checkpointer.status());

  Status failure;  // the store failed: the stream stops
  std::string line;
  std::uint32_t line_no = 0;
  while (failure.ok()) {
    auto got = (*input)->reader().next(line, wait_ms(group));
    if (!got.ok()) {
      failure = got.status();
      break;
    }
    if (*got == LineReader::Got::kEnd) break;
    if (*got == LineReader::Got::kTimeout) {
      (void)group.commit_if_due();  // a failure reaches acks through the callback
      acks.drain(group.last_committed());
      continue;
    }
    ++line_no;
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    ingest::StreamResult result;
    auto ticket = group.run([&]() -> Status {
      ASSIGN_OR_RETURN(result, (*stream)->apply(line, line_no));
      return Status();
    });
    if (ticket.ok()) {
      acks.accepted(line_no, *ticket, result);
    } else {
      acks.rejected(line_no, ticket.status());
      if (store_failed(ticket.status())) failure = ticket.status();
    }
    acks.drain(group.last_committed());
  }
  Status flushed = group.flush();
  acks.drain(group.last_committed());
  Status checkpointed = (*checkpointer)->stop();
  const StreamCounts& c = acks.counts();
  Status closed = (*stream)->finish_batch(
      c.records, c.stored, c.duplicates, c.rejected + c.not_committed,
      !failure.ok() || !flushed.ok() || !checkpointed.ok() || c.failed_groups > 0);
  print_summary(acks.counts(), (*checkpointer)->stats(),
                std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  if (!failure.ok()) return report(failure);
  if (!flushed.ok()) return report(flushed);
  if (!checkpointed.ok()) return report(checkpointed);
  if (!closed.ok()) return report(closed);
  if (acks.counts().failed_groups > 0) return kExitFailure;
  return acks.counts().rejected > 0 ? kExitBadInput : kExitOk;
}

}  // namespace

void register_order_stream(Command& order, Context& ctx) {
  auto args = std::make_shared<StreamArgs>();
  Command* s = order.add_subcommand(
      "stream",
      "orders and refunds as NDJSON on stdin, applied as they arrive, acknowledged as they "
      "commit (实时订单流)");
  s->add_option("--file", args->file, "read this file instead of stdin");
  s->add_option("--group-ms", args->group_ms,
                "commit every this many milliseconds (0: a transaction per record)");
  s->add_option("--group-max", args->group_max, "commit once a group holds this many records");
  s->add_flag("--json", args->json, "one JSON object per acknowledgement");
  s->add_option("--member-kind", args->member_kind,
                "identity kind of a bare member value, e.g. phone (as recur import)");
  s->callback([&ctx, args] { throw Exit{run_stream(ctx, *args)}; });
}

}  // namespace recur::cli
