#pragma once
// The acknowledgements of `recur order stream`, one per input record, written in input order and
// only once what they acknowledge is durable: an applied record's line waits for the COMMIT of its
// group (store::GroupCommit), a rejected record's for the lines before it. A group whose COMMIT
// failed turns each of its records' lines into an error.
//
//   ok 3 pos:A1 points=120 growth=120 tier=silver
//   ok 4 pos:A1 duplicate points=120 growth=120 tier=silver
//   ok 5 pos:R1 refund of pos:A1 points=-60 growth=-60 tier=normal
//   error 6: field 'amount': amount is negative (记录被拒绝 record rejected)
//
// With --json, one object per line instead (docs/cli.md).

#include <cstdint>
#include <cstdio>
#include <deque>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "ingest/record_stream.h"
#include "store/group_commit.h"

namespace recur::cli {

struct StreamCounts {
  std::int64_t records = 0, stored = 0, duplicates = 0, rejected = 0, not_committed = 0;
  std::int64_t groups = 0, failed_groups = 0;
};

class StreamAcks {
 public:
  StreamAcks(std::FILE* out, bool json) : out_(out), json_(json) {}

  // A record run as unit `ticket` of the open group.
  void accepted(std::uint32_t line, store::GroupCommit::Ticket ticket,
                const ingest::StreamResult& r);
  // A record rejected (nothing of it was kept).
  void rejected(std::uint32_t line, const Status& why);
  // A group's COMMIT, as GroupCommit reports it.
  void settled(const store::GroupOutcome& g);
  // Writes every acknowledgement that is due, given that tickets up to `committed` are durable.
  void drain(store::GroupCommit::Ticket committed);

  const StreamCounts& counts() const { return counts_; }
  std::size_t waiting() const { return queue_.size(); }

 private:
  struct Ack {
    std::uint32_t line = 0;
    store::GroupCommit::Ticket ticket = 0;  // 0: an error, due at once
    std::string text;                       // what to write once due
    bool duplicate = false;
  };
  // The group's failure that covers `ticket`, if any.
  const Status* failure_of(store::GroupCommit::Ticket ticket) const;
  std::string ok_text(std::uint32_t line, const ingest::StreamResult& r) const;
  std::string error_text(std::uint32_t line, std::string_view why, std::string_view label) const;

  std::FILE* out_;
  bool json_;
  std::deque<Ack> queue_;
  struct Failed {
    store::GroupCommit::Ticket first, last;
    Status why;
  };
  std::vector<Failed> failed_;
  StreamCounts counts_;
};

}  // namespace recur::cli
