// AnalyzerSet: one analyzer per mapping analyzer kind (standard, english,
// simple, keyword), each built on first use. Indexing (DocumentAnalyzer) and
// query parsing analyze text the same way through it. Not thread-safe, like
// the analyzers it owns: one set per thread.
#pragma once

#include <array>
#include <memory>

#include "index/analysis/analyzer.h"
#include "index/mapping/field_type.h"
#include "index/util/status.h"

namespace holdfast::segment {

class AnalyzerSet {
 public:
  // Internal when the analyzer cannot be built (ICU or stemmer data missing).
  Result<analysis::Analyzer*> For(mapping::Analyzer which);

 private:
  std::array<std::unique_ptr<analysis::Analyzer>, 4> analyzers_;
};

}  // namespace holdfast::segment
