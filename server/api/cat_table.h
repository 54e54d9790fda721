// CatTable: one `_cat` table — named columns, rows of cells — rendered as
// Elasticsearch's compact text (aligned columns: numbers and sizes right-
// aligned; ?v adds the header row) or, with ?format=json, an array of
// objects of strings. ?h=a,b picks columns; ?s=a,b:desc sorts the rows by
// columns (numbers, sizes like "4.5kb", percentages and durations by value,
// the rest as text; `:asc` or `:desc` per column), and an unknown sort key
// is a 400 as in Elasticsearch. Columns answer to Elasticsearch's short
// names too (`dc` for `docs.count`, ...); ?help lists name, aliases and
// what each column holds.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/http/http_router.h"

namespace holdfast {

// The `epoch` (seconds) and `timestamp` (HH:MM:SS, UTC) cells of now, as
// _cat/count and _cat/health start their rows.
std::pair<std::string, std::string> CatNow();

// The IP of a "host:port" address ("" when it is not one), for the ip columns.
std::string IpOf(const std::string& address);

class CatTable {
 public:
  struct Column {
    const char* name;
    bool right_aligned;
    bool shown_by_default = true;  // others only with ?h=
  };
  explicit CatTable(std::vector<Column> columns) : columns_(std::move(columns)) {}

  void AddRow(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }

  HttpResponse Render(const HttpRequest& req);

 private:
  std::optional<size_t> Find(std::string_view name) const;  // by name, then by alias
  HttpResponse Json(const std::vector<size_t>& shown) const;
  HttpResponse Text(const std::vector<size_t>& shown, bool header) const;

  std::vector<Column> columns_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace holdfast
