#pragma once
// Calendar arithmetic the program rules need, on business days (core Date) in the merchant's
// time zone.

#include "core/time.h"

namespace recur::loyalty {

// The same day `months` months later (or earlier when negative), clamped to the month's end:
// add_months(2024-01-31, 1) = 2024-02-29.
Date add_months(Date d, int months);

// The first day of the year `d` falls in, plus `years` years.
Date start_of_year(Date d, int years = 0);

// The first day of the period of `months` months (aligned to January of year 0) holding `d`:
// for months = 12, January 1st; for 3, the quarter's first day.
Date period_start(Date d, int months);

int month_of(Date d);
int day_of_month(Date d);

}  // namespace recur::loyalty
