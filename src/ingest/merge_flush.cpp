#include "ingest/merge_flush.h"

#include "loyalty/program_store.h"

namespace recur::ingest {

void MergeFlush::attach(identity::Resolver& resolver) {
  resolver_ = &resolver;
  resolver.set_before_merge([this] { return before_merge(); });
}

MergeFlush::~MergeFlush() {
  if (resolver_) resolver_->set_before_merge(nullptr);
}

Status MergeFlush::before_merge() {
  if (!program_) return Status();
  if (!engine_) {
    ASSIGN_OR_RETURN(auto current, loyalty::current_program(db_));
    if (!current) {
      program_ = false;
      return Status();
    }
    ASSIGN_OR_RETURN(engine_, loyalty::open_engine(db_, clock_));
  }
  const bool some = unapplied_.first <= unapplied_.last;
  if (!flushed_ || some)
    RETURN_IF_ERROR(
        loyalty::apply_pending_here(db_, *engine_, flushed_ ? &unapplied_ : nullptr).status());
  flushed_ = true;
  unapplied_ = {1, 0};
  return Status();
}

}  // namespace recur::ingest
