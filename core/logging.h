// The one place seam's library code reaches its logger.
//
// Everything logs through SEAM_LOG / SEAM_VLOG so that firmware builds can
// swap glog for a callback by changing this file alone. The host program,
// not the library, initialises logging.
#pragma once

#include <glog/logging.h>

#define SEAM_LOG(severity) LOG(severity)
#define SEAM_VLOG(level) VLOG(level)
