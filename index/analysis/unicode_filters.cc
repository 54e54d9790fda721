// Token filters built on ICU character data: NFKC case folding, lowercasing and
// ASCII (accent) folding. Each has a pure-ASCII fast path that skips ICU, since most
// terms of most documents are ASCII.
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include "index/analysis/icu_strings.h"
#include "index/analysis/token_filter.h"
#include "index/analysis/utf8.h"

namespace holdfast::analysis {
namespace {

Status IcuError(const char* what, UErrorCode ec) {
  return Status::Internal(std::string("analysis: ") + what + ": " + u_errorName(ec));
}

class NfkcCaseFoldFilter : public TokenFilter {
 public:
  explicit NfkcCaseFoldFilter(const icu::Normalizer2* normalizer) : normalizer_(normalizer) {}

  Status Apply(std::string& term) override {
    // NFKC_Casefold maps ASCII only by lowercasing A-Z.
    if (IsAscii(term)) {
      AsciiLowercaseInPlace(term);
      return Status::OK();
    }
    HOLDFAST_RETURN_IF_ERROR(Utf8ToUtf16(term, source_));
    UErrorCode ec = U_ZERO_ERROR;
    const int32_t normalized_prefix = normalizer_->spanQuickCheckYes(source_, ec);
    if (U_FAILURE(ec)) return IcuError("NFKC_Casefold check", ec);
    if (normalized_prefix == source_.length()) return Status::OK();
    normalizer_->normalize(source_, normalized_, ec);
    if (U_FAILURE(ec)) return IcuError("NFKC_Casefold", ec);
    return Utf16ToUtf8(normalized_, term);
  }

 private:
  const icu::Normalizer2* normalizer_;  // ICU singleton, not owned; const methods are thread-safe
  icu::UnicodeString source_;
  icu::UnicodeString normalized_;
};

class LowercaseFilter : public TokenFilter {
 public:
  Status Apply(std::string& term) override {
    if (IsAscii(term)) {
      AsciiLowercaseInPlace(term);
      return Status::OK();
    }
    lowered_.clear();
    const auto* s = reinterpret_cast<const uint8_t*>(term.data());
    const auto length = static_cast<int32_t>(term.size());
    int32_t i = 0;
    while (i < length) {
      UChar32 c;
      U8_NEXT(s, i, length, c);
      if (c < 0) c = 0xFFFD;
      uint8_t buffer[U8_MAX_LENGTH];
      int32_t n = 0;
      U8_APPEND_UNSAFE(buffer, n, u_tolower(c));
      lowered_.append(reinterpret_cast<const char*>(buffer), static_cast<size_t>(n));
    }
    term.swap(lowered_);
    return Status::OK();
  }

 private:
  std::string lowered_;
};

// Letters that NFD does not decompose but that have a customary ASCII spelling.
const char16_t* SpecialFolding(UChar32 c) {
  switch (c) {
    case 0x00C6: return u"AE";  // Æ
    case 0x00E6: return u"ae";  // æ
    case 0x00D8: return u"O";   // Ø
    case 0x00F8: return u"o";   // ø
    case 0x0152: return u"OE";  // Œ
    case 0x0153: return u"oe";  // œ
    case 0x0141: return u"L";   // Ł
    case 0x0142: return u"l";   // ł
    case 0x0110: return u"D";   // Đ
    case 0x0111: return u"d";   // đ
    case 0x00D0: return u"D";   // Ð
    case 0x00F0: return u"d";   // ð
    case 0x00DE: return u"TH";  // Þ
    case 0x00FE: return u"th";  // þ
    case 0x00DF: return u"ss";  // ß
    case 0x1E9E: return u"SS";  // ẞ
    case 0x0131: return u"i";   // ı
    default: return nullptr;
  }
}

inline bool IsLatinDiacritic(UChar32 c) { return c >= 0x0300 && c <= 0x036F; }

class AsciiFoldingFilter : public TokenFilter {
 public:
  AsciiFoldingFilter(const icu::Normalizer2* nfd, const icu::Normalizer2* nfc)
      : nfd_(nfd), nfc_(nfc) {}

  Status Apply(std::string& term) override {
    if (IsAscii(term)) return Status::OK();
    HOLDFAST_RETURN_IF_ERROR(Utf8ToUtf16(term, source_));
    UErrorCode ec = U_ZERO_ERROR;
    nfd_->normalize(source_, decomposed_, ec);
    if (U_FAILURE(ec)) return IcuError("NFD", ec);
    folded_.remove();
    bool changed = false;
    for (int32_t i = 0; i < decomposed_.length();) {
      const UChar32 c = decomposed_.char32At(i);
      i += U16_LENGTH(c);
      if (IsLatinDiacritic(c)) {
        changed = true;
      } else if (const char16_t* replacement = SpecialFolding(c)) {
        folded_.append(replacement, -1);
        changed = true;
      } else {
        folded_.append(c);
      }
    }
    if (!changed) return Status::OK();
    nfc_->normalize(folded_, source_, ec);
    if (U_FAILURE(ec)) return IcuError("NFC", ec);
    return Utf16ToUtf8(source_, term);
  }

 private:
  const icu::Normalizer2* nfd_;  // ICU singletons, not owned
  const icu::Normalizer2* nfc_;
  icu::UnicodeString source_;
  icu::UnicodeString decomposed_;
  icu::UnicodeString folded_;
};

}  // namespace

Result<std::unique_ptr<TokenFilter>> MakeNfkcCaseFoldFilter() {
  UErrorCode ec = U_ZERO_ERROR;
  const icu::Normalizer2* normalizer = icu::Normalizer2::getNFKCCasefoldInstance(ec);
  if (U_FAILURE(ec)) return IcuError("NFKC_Casefold instance", ec);
  return std::unique_ptr<TokenFilter>(std::make_unique<NfkcCaseFoldFilter>(normalizer));
}

std::unique_ptr<TokenFilter> MakeLowercaseFilter() { return std::make_unique<LowercaseFilter>(); }

Result<std::unique_ptr<TokenFilter>> MakeAsciiFoldingFilter() {
  UErrorCode ec = U_ZERO_ERROR;
  const icu::Normalizer2* nfd = icu::Normalizer2::getNFDInstance(ec);
  const icu::Normalizer2* nfc = icu::Normalizer2::getNFCInstance(ec);
  if (U_FAILURE(ec)) return IcuError("NFD/NFC instance", ec);
  return std::unique_ptr<TokenFilter>(std::make_unique<AsciiFoldingFilter>(nfd, nfc));
}

}  // namespace holdfast::analysis
