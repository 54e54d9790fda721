#include "index/segment/analyzer_set.h"

namespace holdfast::segment {

Result<analysis::Analyzer*> AnalyzerSet::For(mapping::Analyzer which) {
  auto& slot = analyzers_[static_cast<size_t>(which)];
  if (!slot) {
    auto made = analysis::MakeAnalyzer(mapping::AnalyzerName(which));
    if (!made.ok()) return made.status();
    slot = std::move(made).value();
  }
  return slot.get();
}

}  // namespace holdfast::segment
