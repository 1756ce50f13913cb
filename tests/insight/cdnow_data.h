#pragma once
// Loaders for the CDNOW reference data (../shared/datasets, see its README) shared by the
// insight tests. Calibration ends 1997-09-30; times are in weeks.

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "core/time.h"
#include "insight/rfm_summary.h"

namespace recur::insight::testing {

inline std::string dataset_path(const std::string& name) {
  return std::string(RECUR_SOURCE_DIR) + "/../shared/datasets/" + name;
}

// cdnow_customers_summary.csv: ID,frequency,recency,T (the paper's 2,357 customers).
// Returns an empty summary when the file cannot be read.
inline RfmSummary load_cdnow_summary() {
  RfmSummary s;
  std::ifstream in(dataset_path("cdnow_customers_summary.csv"));
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::replace(line.begin(), line.end(), ',', ' ');
    std::istringstream fields(line);
    long id = 0;
    double x = 0, t_x = 0, T = 0;
    if (!(fields >> id >> x >> t_x >> T)) continue;
    s.add(Rfm{static_cast<std::int32_t>(x), t_x, T});
  }
  return s;
}

// One customer's calibration-period purchases from CDNOW_sample.txt.
struct CdnowCustomer {
  int id = 0;                           // id in the sample, 1..2357
  std::map<std::int32_t, double> days;  // purchase day (days since epoch) -> dollars that day
};

// The calibration-period (<= 1997-09-30) purchases of the sample, grouped per customer and day:
// purchases on the same day are summed into one transaction.
inline std::vector<CdnowCustomer> load_cdnow_sample() {
  std::ifstream in(dataset_path("CDNOW_sample.txt"));
  std::map<int, CdnowCustomer> by_id;
  const Date end = Date::from_ymd(1997, 9, 30);
  int master = 0, id = 0, cds = 0;
  long ymd = 0;
  double value = 0;
  while (in >> master >> id >> ymd >> cds >> value) {
    const Date d =
        Date::from_ymd(static_cast<int>(ymd / 10000), static_cast<unsigned>(ymd / 100 % 100),
                       static_cast<unsigned>(ymd % 100));
    if (d > end) continue;
    CdnowCustomer& c = by_id[id];
    c.id = id;
    c.days[d.days] += value;
  }
  std::vector<CdnowCustomer> out;
  for (auto& [key, c] : by_id) out.push_back(std::move(c));
  return out;
}

// The RFM summary of the sample with m_x = mean dollar value of the repeat transaction days
// (the first purchase day excluded), as the paper and lifetimes define it.
inline RfmSummary cdnow_summary_from_transactions(const std::vector<CdnowCustomer>& customers) {
  const std::int32_t end = Date::from_ymd(1997, 9, 30).days;
  RfmSummary s;
  for (const CdnowCustomer& c : customers) {
    const std::int32_t first = c.days.begin()->first;
    const std::int32_t last = c.days.rbegin()->first;
    const auto x = static_cast<std::int32_t>(c.days.size()) - 1;
    double repeat_total = 0;
    for (auto it = std::next(c.days.begin()); it != c.days.end(); ++it) repeat_total += it->second;
    s.add_with_spend(Rfm{x, (last - first) / 7.0, (end - first) / 7.0},
                     x > 0 ? repeat_total / x : 0.0);
  }
  return s;
}

}  // namespace recur::insight::testing
