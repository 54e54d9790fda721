#include "index/analysis/icu_strings.h"

#include <unicode/ustring.h>

#include <climits>

namespace holdfast::analysis {

Status Utf8ToUtf16(std::string_view in, icu::UnicodeString& out) {
  if (in.size() > static_cast<size_t>(INT32_MAX) - 1) {
    return Status::InvalidArgument("analysis: term too long");
  }
  // A UTF-8 string never has more UTF-16 units than bytes.
  const auto capacity = static_cast<int32_t>(in.size()) + 1;
  UChar* buffer = out.getBuffer(capacity);
  if (buffer == nullptr) return Status::Internal("analysis: out of memory");
  int32_t length = 0;
  UErrorCode ec = U_ZERO_ERROR;
  u_strFromUTF8WithSub(buffer, capacity, &length, in.data(), static_cast<int32_t>(in.size()),
                       0xFFFD, nullptr, &ec);
  out.releaseBuffer(U_SUCCESS(ec) ? length : 0);
  if (U_FAILURE(ec)) return Status::Internal(std::string("analysis: UTF-8 decode: ") + u_errorName(ec));
  return Status::OK();
}

Status Utf16ToUtf8(const icu::UnicodeString& in, std::string& out) {
  // Each UTF-16 unit becomes at most 3 UTF-8 bytes (a surrogate pair: 4 for 2).
  out.resize(static_cast<size_t>(in.length()) * 3);
  int32_t length = 0;
  UErrorCode ec = U_ZERO_ERROR;
  u_strToUTF8WithSub(out.data(), static_cast<int32_t>(out.size()), &length, in.getBuffer(),
                     in.length(), 0xFFFD, nullptr, &ec);
  if (ec == U_STRING_NOT_TERMINATED_WARNING) ec = U_ZERO_ERROR;
  if (U_FAILURE(ec)) {
    out.clear();
    return Status::Internal(std::string("analysis: UTF-8 encode: ") + u_errorName(ec));
  }
  out.resize(static_cast<size_t>(length));
  return Status::OK();
}

}  // namespace holdfast::analysis
