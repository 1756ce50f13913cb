// Refunds: each must reference an imported order (and line, when a SKU is given) and may not
// return more than is left to refund. These checks need the database, so the rows are applied
// tentatively in one transaction and rolled back when any is bad (all-or-nothing), or the bad
// ones are left out (--skip-bad).

#include "ingest/import_context.h"
#include "ingest/refund_record.h"

namespace recur::ingest {

Status import_refunds(ImportContext& ctx, RecordSource& src, ImportSummary& sum) {
  RefundWriter writer(ctx.db);
  RETURN_IF_ERROR(writer.prepare());
  ASSIGN_OR_RETURN(auto tx, store::Transaction::begin(ctx.db));
  SourceRow row;
  while (src.next(row)) {
    ++sum.rows;
    if ((sum.rows & 0x3FFF) == 0 && ctx.progress) ctx.progress(src.progress(), sum.rows);
    if (!row.malformed.empty()) {
      ctx.reject(sum, src, row, -1, row.malformed);
      continue;
    }
    ASSIGN_OR_RETURN(RefundWriter::Outcome out, writer.write(ctx, row.values));
    switch (out.kind) {
      case RefundWriter::Kind::kPresent:
        ++sum.skipped;
        break;
      case RefundWriter::Kind::kRejected:
        ctx.reject(sum, src, row, out.error.field, std::move(out.error.reason));
        break;
      case RefundWriter::Kind::kWritten:
        ++sum.applied;
        ++sum.records_applied;
        break;
    }
  }
  sum.rejected = static_cast<std::int64_t>(sum.errors.size());
  if ((sum.rejected > 0 && !ctx.options.skip_bad) || ctx.options.dry_run) {
    sum.applied = 0;
    sum.records_applied = 0;
    return Status();  // the transaction rolls back
  }
  RETURN_IF_ERROR(tx->commit());
  sum.committed = true;
  return Status();
}

}  // namespace recur::ingest
