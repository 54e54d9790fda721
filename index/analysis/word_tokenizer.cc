// The Unicode word tokenizer (MakeWordTokenizer): ICU word segmentation with a
// pure-ASCII fast path.
//
// The text is cut into regions at "safe" spaces and each region is segmented on its
// own: pure-ASCII regions by ScanAsciiWords, the others by an ICU BreakIterator over
// a UTF-16 copy. A cut at a space is safe because UAX #29 always breaks before a
// space that follows a non-space character, and always after a space that is
// followed by an ASCII character (which is never Extend/Format/ZWJ); no word rule
// looks across a space. Non-ASCII regions are extended until ASCII text resumes for a
// while, so dense non-Latin text becomes one ICU call, not one per word.
#include <unicode/brkiter.h>
#include <unicode/ubrk.h>
#include <unicode/utext.h>
#include <unicode/utf16.h>
#include <unicode/utf8.h>

#include <memory>
#include <mutex>
#include <string>

#include "index/analysis/ascii_word_scanner.h"
#include "index/analysis/tokenizer.h"
#include "index/analysis/utf8.h"

namespace holdfast::analysis {
namespace {

// An ICU region ends at a safe space only when the next non-ASCII byte is at least
// this far away; shorter ASCII gaps stay inside the ICU region.
constexpr size_t kMinAsciiRun = 32;

// ICU's word BreakIterator for the root locale, built once per process (loading the
// rules is slow) and cloned per tokenizer. The mutex guards clone(), which reads the
// prototype's state.
class WordBreakPrototype {
 public:
  static Result<std::unique_ptr<icu::BreakIterator>> Clone() {
    static WordBreakPrototype instance;
    std::lock_guard<std::mutex> lock(instance.mu_);
    if (instance.prototype_ == nullptr) {
      return Status::Internal(std::string("analysis: ICU word break iterator: ") +
                              u_errorName(instance.error_));
    }
    std::unique_ptr<icu::BreakIterator> copy(instance.prototype_->clone());
    if (copy == nullptr) return Status::Internal("analysis: cloning ICU break iterator failed");
    return copy;
  }

 private:
  WordBreakPrototype() {
    prototype_.reset(icu::BreakIterator::createWordInstance(icu::Locale::getRoot(), error_));
    if (U_FAILURE(error_)) prototype_.reset();
  }

  std::mutex mu_;
  UErrorCode error_ = U_ZERO_ERROR;
  std::unique_ptr<icu::BreakIterator> prototype_;
};

// Whether a region may start at byte `b`: a space after an ASCII non-space.
inline bool IsSafeCut(std::string_view text, size_t b) {
  if (b == 0 || b >= text.size() || text[b] != ' ') return false;
  const auto prev = static_cast<unsigned char>(text[b - 1]);
  return prev < 0x80 && prev != ' ';
}

class WordTokenizer : public Tokenizer {
 public:
  WordTokenizer(std::unique_ptr<icu::BreakIterator> iterator, WordTokenizerOptions options)
      : iterator_(std::move(iterator)), options_(options) {}
  ~WordTokenizer() override { utext_close(&utext_); }

  Status Tokenize(std::string_view text, std::vector<TokenSpan>& spans) override {
    spans.clear();
    if (!options_.ascii_fast_path) return SegmentWithIcu(text, 0, text.size(), spans);
    size_t pos = 0;
    while (pos < text.size()) {
      const size_t non_ascii = FindNonAscii(text, pos);
      if (non_ascii == text.size()) {
        ScanAsciiWords(text, pos, text.size(), spans);
        break;
      }
      const size_t icu_begin = LastCutBefore(text, pos, non_ascii);
      if (icu_begin > pos) ScanAsciiWords(text, pos, icu_begin, spans);
      const size_t icu_end = IcuRegionEnd(text, non_ascii);
      HOLDFAST_RETURN_IF_ERROR(SegmentWithIcu(text, icu_begin, icu_end, spans));
      pos = icu_end;
    }
    return Status::OK();
  }

 private:
  // The last safe cut in (from, limit), or `from` when there is none.
  static size_t LastCutBefore(std::string_view text, size_t from, size_t limit) {
    for (size_t b = limit; b > from + 1; --b) {
      if (IsSafeCut(text, b - 1)) return b - 1;
    }
    return from;
  }

  // Where the ICU region holding the non-ASCII byte at `non_ascii` ends.
  static size_t IcuRegionEnd(std::string_view text, size_t non_ascii) {
    size_t i = non_ascii;
    while (true) {
      while (i < text.size() && !IsSafeCut(text, i)) ++i;
      if (i >= text.size()) return text.size();
      const size_t next_non_ascii = FindNonAscii(text, i);
      if (next_non_ascii == text.size() || next_non_ascii - i >= kMinAsciiRun) return i;
      i = next_non_ascii;
    }
  }

  // Appends the word spans of text[begin, end), segmented by ICU.
  Status SegmentWithIcu(std::string_view text, size_t begin, size_t end,
                        std::vector<TokenSpan>& spans) {
    DecodeRegion(text, begin, end);
    UErrorCode ec = U_ZERO_ERROR;
    utext_openUChars(&utext_, utf16_.data(), static_cast<int64_t>(utf16_length_), &ec);
    iterator_->setText(&utext_, ec);
    if (U_FAILURE(ec)) {
      return Status::Internal(std::string("analysis: ICU setText: ") + u_errorName(ec));
    }
    int32_t start = iterator_->first();
    for (int32_t stop = iterator_->next(); stop != icu::BreakIterator::DONE;
         start = stop, stop = iterator_->next()) {
      if (iterator_->getRuleStatus() >= UBRK_WORD_NONE_LIMIT) {
        spans.push_back({offsets_[static_cast<size_t>(start)], offsets_[static_cast<size_t>(stop)]});
      }
    }
    return Status::OK();
  }

  // Fills utf16_ with text[begin, end) and offsets_ with, for each UTF-16 unit, the
  // byte offset (in `text`) of the character it belongs to; offsets_[length] = end.
  void DecodeRegion(std::string_view text, size_t begin, size_t end) {
    const auto* s = reinterpret_cast<const uint8_t*>(text.data() + begin);
    const auto length = static_cast<int32_t>(end - begin);
    // Every UTF-8 sequence (or ill-formed byte) yields no more UTF-16 units than bytes.
    if (utf16_.size() < static_cast<size_t>(length) + 1) {
      utf16_.resize(static_cast<size_t>(length) + 1);
      offsets_.resize(static_cast<size_t>(length) + 1);
    }
    size_t u = 0;
    int32_t i = 0;
    while (i < length) {
      const auto at = static_cast<uint32_t>(begin + static_cast<size_t>(i));
      UChar32 c = s[i];
      if (c < 0x80) {
        ++i;
      } else {
        U8_NEXT(s, i, length, c);
        if (c < 0) c = 0xFFFD;
      }
      if (c <= 0xFFFF) {
        offsets_[u] = at;
        utf16_[u++] = static_cast<UChar>(c);
      } else {
        offsets_[u] = at;
        utf16_[u++] = U16_LEAD(c);
        offsets_[u] = at;
        utf16_[u++] = U16_TRAIL(c);
      }
    }
    offsets_[u] = static_cast<uint32_t>(end);
    utf16_length_ = u;
  }

  std::unique_ptr<icu::BreakIterator> iterator_;
  WordTokenizerOptions options_;
  UText utext_ = UTEXT_INITIALIZER;
  std::u16string utf16_;
  std::vector<uint32_t> offsets_;
  size_t utf16_length_ = 0;
};

}  // namespace

Result<std::unique_ptr<Tokenizer>> MakeWordTokenizer(WordTokenizerOptions options) {
  auto iterator = WordBreakPrototype::Clone();
  if (!iterator.ok()) return iterator.status();
  return std::unique_ptr<Tokenizer>(
      std::make_unique<WordTokenizer>(std::move(iterator).value(), options));
}

}  // namespace holdfast::analysis
