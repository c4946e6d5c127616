// Text helpers every bundled plugin family shares (monitors, transports):
// error-buffer filling for the C ABI, trimming and locale-independent number
// parsing and formatting. Compiled into each module that uses it, like the
// rest of a plugin's private code, so nothing here is part of the ABI.
#pragma once

#include <cstddef>
#include <string>

namespace seam_plugin {

// Copies `message` into the caller's buffer, truncating; always
// NUL-terminated when the buffer has room for the terminator.
void WriteError(char* error, size_t error_size, const std::string& message);
// Strips ASCII whitespace at both ends (also the '\r' of CRLF files).
std::string Trim(const std::string& text);
// Parses a whole string as a finite double, whatever the process locale.
bool ParseDouble(const std::string& text, double* out);
// Formats a double compactly for messages ("0.3", "1.25e+07").
std::string FormatDouble(double value);

}  // namespace seam_plugin
