#pragma once
// Stored value and cashback follow members through merges, like points (merge_participant.h).
//
// On merge(S ← M): every wallet lot of M (spent ones too, so later refunds of M's spends find
// them) moves to S, with M's top-ups, spends and cashback orders; M's balances move with ledger
// entries (cause merge: M −, S +). What moved is recorded in wallet_merges and
// wallet_merge_lots.
//
// On unmerge: M gets back the lots recorded as moved, and the cashback lots of orders that are
// M's again, as they stand now (what was spent while merged stays spent), with entries (cause
// unmerge); the top-ups whose lots went back and the spends and cashback of M's orders follow.
//
// Both run inside the merge's transaction, on its connection, and are called by
// LoyaltyMergeParticipant.

#include "core/ids.h"
#include "core/status.h"
#include "store/database.h"

namespace recur::loyalty {

Status merge_wallet(store::Database& db, MergeId id, MemberId survivor, MemberId merged);
Status unmerge_wallet(store::Database& db, MergeId id, MemberId from, MemberId restored);

}  // namespace recur::loyalty
