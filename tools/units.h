// Parsing of human units on the command line: bandwidths ("5.85Mbit",
// "500kbit", "18.88mbps", "1e6" bits/s) and durations ("30ms", "0.1s", "250us",
// a bare number is milliseconds).
#pragma once

#include <string>

#include "seam/status.h"

namespace seam::cli {

Status ParseBandwidth(const std::string& text, double* bits_per_second);
Status ParseDurationMs(const std::string& text, double* milliseconds);
// "5.85 Mbit/s"
std::string FormatBandwidth(double bits_per_second);

}  // namespace seam::cli
