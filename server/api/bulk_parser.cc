#include "server/api/bulk_parser.h"

#include "index/mapping/mapping_error.h"
#include "server/api/index_api_support.h"

namespace holdfast {

namespace od = simdjson::ondemand;

namespace {

bool IsBlank(std::string_view line) { return line.find_first_not_of(" \t\r") == std::string_view::npos; }

Status Validation(std::string_view reason) {
  return Status::Validation("Validation Failed: 1: " + std::string(reason) + ";");
}

// A string, or a number written as the string's text (Elasticsearch accepts both for ids).
simdjson::error_code TextOf(od::value value, std::string_view* out) {
  od::json_type type;
  if (auto e = value.type().get(type); e) return e;
  if (type == od::json_type::string) return value.get_string().get(*out);
  if (type != od::json_type::number) return simdjson::INCORRECT_TYPE;
  *out = value.raw_json_token();
  while (!out->empty() && (out->back() == ' ' || out->back() == '\t')) out->remove_suffix(1);
  return simdjson::SUCCESS;
}

}  // namespace

const char* BulkActionName(BulkAction action) {
  switch (action) {
    case BulkAction::kIndex: return "index";
    case BulkAction::kCreate: return "create";
    case BulkAction::kUpdate: return "update";
    case BulkAction::kDelete: return "delete";
  }
  return "index";
}

BulkParser::BulkParser(std::string default_index, bool actions_only)
    : default_index_(std::move(default_index)), actions_only_(actions_only) {}

Status BulkParser::Malformed(std::string_view what) const {
  return mapping::IllegalArgumentError("Malformed action/metadata line [" + std::to_string(line_number_) + "], " +
                                       std::string(what));
}

bool BulkParser::AddLine(std::string_view line, BulkItem* item) {
  ++line_number_;
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (state_ == State::kSource) {
    state_ = State::kAction;
    if (!item->error.ok()) return true;  // the item already failed; its source is consumed
    if (actions_only_) return true;
    if (item->action == BulkAction::kUpdate) {
      if (Status s = ParseUpdateBody(line, &item->update); !s.ok()) item->error = std::move(s);
    } else {
      item->source = line;
    }
    return true;
  }
  if (IsBlank(line)) return false;
  const bool after_bad_action = state_ == State::kAfterBadAction;
  state_ = State::kAction;
  if (!ParseActionLine(line, item)) {
    item->malformed = true;
    if (after_bad_action) return false;  // the source line of the malformed action before it
    state_ = State::kAfterBadAction;
    return true;
  }
  if (item->action == BulkAction::kDelete) return true;
  state_ = State::kSource;
  return false;
}

bool BulkParser::AddOversizedLine(size_t length, BulkItem* item) {
  ++line_number_;
  const Status too_long = Status::TooLarge("line [" + std::to_string(line_number_) + "] of " + std::to_string(length) +
                                           " bytes is over the limit of one bulk line");
  if (state_ == State::kSource) {
    state_ = State::kAction;
    if (item->error.ok()) item->error = too_long;
    return true;
  }
  const bool after_bad_action = state_ == State::kAfterBadAction;
  state_ = State::kAfterBadAction;
  if (after_bad_action) return false;
  *item = BulkItem();
  item->index = default_index_;
  item->line = line_number_;
  item->error = too_long;
  return true;
}

bool BulkParser::Finish(BulkItem* item) {
  if (state_ != State::kSource) return false;
  state_ = State::kAction;
  if (item->error.ok()) item->error = Validation("source is missing");
  return true;
}

bool BulkParser::ParseActionLine(std::string_view line, BulkItem* item) {
  item->action = BulkAction::kIndex;
  item->index = default_index_;
  item->id.clear();
  item->source = {};
  item->if_seq_no.reset();
  item->if_primary_term.reset();
  item->version.reset();
  item->version_type.clear();
  item->routing.clear();
  item->external_version.reset();
  item->external_gte = false;
  item->line = line_number_;
  item->error = Status::OK();
  item->malformed = false;

  padded_.assign(line);
  padded_.reserve(line.size() + simdjson::SIMDJSON_PADDING);
  od::document doc;
  od::object root;
  if (parser_.iterate(padded_.data(), line.size(), padded_.capacity()).get(doc) != simdjson::SUCCESS ||
      doc.get_object().get(root) != simdjson::SUCCESS) {
    item->error = Malformed("expected START_OBJECT");
    return false;
  }
  bool seen_action = false;
  Status item_error;  // a well-formed line whose metadata fails its item (a bad id)
  for (auto field : root) {
    std::string_view key;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS) {
      item->error = Malformed("expected FIELD_NAME");
      return false;
    }
    if (seen_action) {
      item->error = Malformed("expected END_OBJECT but found [FIELD_NAME]");
      return false;
    }
    seen_action = true;
    if (key == "index") {
      item->action = BulkAction::kIndex;
    } else if (key == "create") {
      item->action = BulkAction::kCreate;
    } else if (key == "update") {
      item->action = BulkAction::kUpdate;
    } else if (key == "delete") {
      item->action = BulkAction::kDelete;
    } else {
      item->error = Malformed("expected field [create], [delete], [index] or [update] but found [" +
                              std::string(key) + "]");
      return false;
    }
    od::object body;
    if (field.value().get_object().get(body) != simdjson::SUCCESS) {
      item->error = Malformed("expected START_OBJECT for [" + std::string(key) + "]");
      return false;
    }
    if (Status s = ParseActionBody(body, item, &item_error); !s.ok()) {
      item->error = std::move(s);
      return false;
    }
  }
  if (!seen_action) {
    item->error = Malformed("expected FIELD_NAME but found [END_OBJECT]");
    return false;
  }
  if (const char* rest = nullptr; doc.current_location().get(rest) == simdjson::SUCCESS) {
    item->error = Malformed("unexpected content after the action");
    return false;
  }
  // A well-formed action with bad metadata fails its item but still owns its source line.
  if (!item_error.ok()) {
    item->error = std::move(item_error);
  } else if (item->index.empty()) {
    item->error = Validation("index is missing");
  } else if (item->id.empty() && (item->action == BulkAction::kUpdate || item->action == BulkAction::kDelete)) {
    item->error = Validation("id is missing");
  } else if (Status s = CheckConcurrencyPair(item->if_seq_no, item->if_primary_term); !s.ok()) {
    item->error = std::move(s);
  } else {
    WriteRequest checked;
    checked.type = item->action == BulkAction::kCreate ? WriteOpType::kCreate : WriteOpType::kIndex;
    checked.if_seq_no = item->if_seq_no;
    checked.if_primary_term = item->if_primary_term;
    if (Status v = ApplyVersion(item->version, item->version_type, item->action == BulkAction::kUpdate, &checked);
        !v.ok()) {
      item->error = std::move(v);
    } else {
      item->external_version = checked.external_version;
      item->external_gte = checked.external_gte;
    }
  }
  return true;
}

Status BulkParser::ParseActionBody(od::object body, BulkItem* item, Status* item_error) {
  for (auto field : body) {
    std::string_view key;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS) return Malformed("expected FIELD_NAME");
    od::value value;
    if (field.value().get(value) != simdjson::SUCCESS) return Malformed("expected a value");
    if (key == "_index" || key == "_id") {
      std::string_view text;
      if (TextOf(value, &text) != simdjson::SUCCESS) return Malformed("[" + std::string(key) + "] must be a string");
      if (key == "_index") {
        item->index.assign(text);
      } else {
        item->id_given = true;
        // A bad id fails its item only, as in Elasticsearch (the line is well formed).
        if (Status s = ValidateDocumentId(text); !s.ok() && item_error->ok()) *item_error = std::move(s);
        item->id.assign(text);
      }
    } else if (key == "if_seq_no" || key == "if_primary_term") {
      int64_t v = 0;
      if (value.get_int64().get(v) != simdjson::SUCCESS) return Malformed("[" + std::string(key) + "] must be a number");
      (key == "if_seq_no" ? item->if_seq_no : item->if_primary_term) = v;
    } else if (key == "version") {
      int64_t v = 0;
      if (value.get_int64().get(v) != simdjson::SUCCESS) return Malformed("[version] must be a number");
      item->version = v;
    } else if (key == "version_type") {
      std::string_view text;
      if (TextOf(value, &text) != simdjson::SUCCESS) return Malformed("[version_type] must be a string");
      item->version_type.assign(text);
    } else if (key == "routing") {
      od::json_type type;
      if (value.type().get(type) == simdjson::SUCCESS && type == od::json_type::null) continue;  // none
      std::string_view text;
      if (TextOf(value, &text) != simdjson::SUCCESS) return Malformed("[routing] must be a string");
      item->routing.assign(text);
    } else if (key == "_type" || key == "retry_on_conflict" || key == "require_alias") {
      // accepted and ignored: updates retry internally
    } else {
      return mapping::IllegalArgumentError("Action/metadata line [" + std::to_string(line_number_) +
                                           "] contains an unknown parameter [" + std::string(key) + "]");
    }
  }
  return Status::OK();
}

}  // namespace holdfast
