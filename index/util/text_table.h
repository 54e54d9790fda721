// Aligned text tables, as `_cat` APIs and holdfastctl print them: one line
// per row, cells separated by one space and padded to the column's widest
// cell (numbers right-aligned), trailing blanks trimmed. Header-only so the
// small tools can use it without the index library. Pure; thread-safe.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

namespace holdfast {

struct TextColumn {
  std::string_view name;
  bool right_aligned = false;
};

// Renders the columns `shown` (indexes into `columns`, in print order) of
// `rows` (one cell per column each), with the column names first when
// `header`. Header names are always left-aligned.
inline std::string RenderTextTable(const std::vector<TextColumn>& columns,
                                   const std::vector<std::vector<std::string>>& rows,
                                   const std::vector<size_t>& shown, bool header) {
  std::vector<size_t> width(columns.size(), 0);
  for (size_t c : shown) {
    if (header) width[c] = columns[c].name.size();
    for (const auto& row : rows) width[c] = std::max(width[c], row[c].size());
  }
  std::string out;
  auto line = [&](auto cell_of, bool is_header) {
    std::string text;
    for (size_t i = 0; i < shown.size(); ++i) {
      const size_t c = shown[i];
      const std::string_view cell = cell_of(c);
      const std::string pad(width[c] - cell.size(), ' ');
      if (i > 0) text += ' ';
      if (columns[c].right_aligned && !is_header) {
        text.append(pad).append(cell);
      } else {
        text.append(cell).append(pad);
      }
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    out.append(text).push_back('\n');
  };
  if (header) line([&](size_t c) { return columns[c].name; }, true);
  for (const auto& row : rows) line([&](size_t c) { return std::string_view(row[c]); }, false);
  return out;
}

// Every column, with the header.
inline std::string RenderTextTable(const std::vector<TextColumn>& columns,
                                   const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> shown(columns.size());
  for (size_t c = 0; c < shown.size(); ++c) shown[c] = c;
  return RenderTextTable(columns, rows, shown, true);
}

}  // namespace holdfast
