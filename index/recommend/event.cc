#include "index/recommend/event.h"

#include <simdjson.h>

#include <cmath>
#include <cstring>

#include "index/codec/varint.h"
#include "index/mapping/date_parser.h"
#include "index/mapping/mapping_error.h"

namespace holdfast::recommend {

namespace {

namespace od = simdjson::ondemand;

Status Bad(std::string_view reason) { return mapping::IllegalArgumentError(reason); }
Status Parsing(std::string_view reason) { return Status::Parse(std::string(reason)); }

Status CheckId(std::string_view what, std::string_view id) {
  if (id.empty()) return Bad(std::string("[") + std::string(what) + "] must be a non-empty string");
  if (id.find('\0') != std::string_view::npos) return Bad(std::string("[") + std::string(what) + "] must not contain NUL");
  if (id.size() > kMaxEventIdBytes) {
    return Bad(std::string("[") + std::string(what) + "] is longer than " + std::to_string(kMaxEventIdBytes) + " bytes");
  }
  return Status::OK();
}

// A string, or a number written as JSON (ids such as 12345 arrive as numbers).
bool IdText(od::value v, std::string* out) {
  od::json_type type;
  if (v.type().get(type) != simdjson::SUCCESS) return false;
  if (type == od::json_type::string) {
    std::string_view s;
    if (v.get_string().get(s) != simdjson::SUCCESS) return false;
    out->assign(s);
    return true;
  }
  if (type == od::json_type::number) {
    std::string_view raw = v.raw_json_token();
    while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\n' || raw.back() == '\r' || raw.back() == '\t')) {
      raw.remove_suffix(1);
    }
    out->assign(raw);
    return true;
  }
  return false;
}

void PutString(std::string* out, std::string_view s) {
  codec::PutVarint64(out, s.size());
  out->append(s);
}


bool GetString(std::string_view* in, std::string* s) {
  uint64_t n;
  if (!codec::ConsumeVarint64(in, &n) || n > in->size()) return false;
  s->assign(in->data(), n);
  in->remove_prefix(n);
  return true;
}

void PutEvents(std::string* out, const std::vector<Event>& events) {
  codec::PutVarint64(out, events.size());
  for (const Event& e : events) {
    PutString(out, e.user);
    PutString(out, e.item);
    out->push_back(static_cast<char>(e.type));
    codec::PutVarint64(out, static_cast<uint64_t>(e.ts_ms));
    char q[8];
    std::memcpy(q, &e.quantity, 8);
    out->append(q, 8);
  }
}

bool GetEvents(std::string_view* in, std::vector<Event>* events) {
  uint64_t n;
  if (!codec::ConsumeVarint64(in, &n) || n > in->size()) return false;
  events->resize(n);
  for (Event& e : *events) {
    uint64_t ts;
    if (!GetString(in, &e.user) || !GetString(in, &e.item) || in->empty()) return false;
    const auto type = static_cast<uint8_t>((*in)[0]);
    if (type >= kEventTypes) return false;
    e.type = static_cast<EventType>(type);
    in->remove_prefix(1);
    if (!codec::ConsumeVarint64(in, &ts) || in->size() < 8) return false;
    e.ts_ms = static_cast<int64_t>(ts);
    std::memcpy(&e.quantity, in->data(), 8);
    in->remove_prefix(8);
  }
  return true;
}

}  // namespace

std::optional<EventType> EventTypeFromName(std::string_view name) {
  if (name == "view") return EventType::kView;
  if (name == "cart") return EventType::kCart;
  if (name == "purchase") return EventType::kPurchase;
  return std::nullopt;
}

const char* EventTypeName(EventType type) {
  switch (type) {
    case EventType::kView: return "view";
    case EventType::kCart: return "cart";
    case EventType::kPurchase: return "purchase";
  }
  return "view";
}

Status ParseEvent(std::string_view json, int64_t now_ms, Event* out) {
  thread_local od::parser parser;
  simdjson::padded_string padded(json);
  od::document doc;
  od::object obj;
  if (parser.iterate(padded).get(doc) != simdjson::SUCCESS || doc.get_object().get(obj) != simdjson::SUCCESS) {
    return Parsing("an event must be a JSON object");
  }
  *out = Event{};
  bool has_user = false, has_item = false, has_type = false, has_ts = false;
  for (auto field : obj) {
    std::string_view key;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS) return Parsing("malformed event object");
    od::value v;
    if (field.value().get(v) != simdjson::SUCCESS) return Parsing("malformed event object");
    if (key == "user" || key == "item") {
      std::string* target = key == "user" ? &out->user : &out->item;
      if (!IdText(v, target)) return Bad("[" + std::string(key) + "] must be a string");
      (key == "user" ? has_user : has_item) = true;
    } else if (key == "type") {
      std::string_view name;
      if (v.get_string().get(name) != simdjson::SUCCESS) return Bad("[type] must be a string");
      auto type = EventTypeFromName(name);
      if (!type) return Bad("unknown event type [" + std::string(name) + "]: expected view, cart or purchase");
      out->type = *type;
      has_type = true;
    } else if (key == "ts" || key == "timestamp") {
      od::json_type type;
      if (v.type().get(type) != simdjson::SUCCESS) return Parsing("malformed [ts]");
      int64_t ms = 0;
      if (type == od::json_type::number) {
        double d;
        if (v.get_double().get(d) != simdjson::SUCCESS || !std::isfinite(d) || d < 0 || d > 9.2e15) {
          return Bad("[ts] must be epoch milliseconds >= 0 or an ISO-8601 date");
        }
        ms = static_cast<int64_t>(d);
      } else if (type == od::json_type::string) {
        std::string_view text;
        if (v.get_string().get(text) != simdjson::SUCCESS ||
            !mapping::ParseDate(text, mapping::DateFormatList::Default(), &ms) || ms < 0) {
          return Bad("failed to parse [ts] [" + std::string(text) + "]: expected an ISO-8601 date or epoch milliseconds");
        }
      } else {
        return Bad("[ts] must be epoch milliseconds or an ISO-8601 date");
      }
      out->ts_ms = ms;
      has_ts = true;
    } else if (key == "quantity") {
      double q;
      if (v.get_double().get(q) != simdjson::SUCCESS || !std::isfinite(q)) return Bad("[quantity] must be a number");
      out->quantity = q;
    } else {
      return Bad("unknown event field [" + std::string(key) + "]");
    }
  }
  if (const char* rest = nullptr; doc.current_location().get(rest) == simdjson::SUCCESS) {
    return Parsing("trailing content after the event object");
  }
  if (!has_user) return Bad("event is missing [user]");
  if (!has_item) return Bad("event is missing [item]");
  if (!has_type) return Bad("event is missing [type]");
  HOLDFAST_RETURN_IF_ERROR(CheckId("user", out->user));
  HOLDFAST_RETURN_IF_ERROR(CheckId("item", out->item));
  if (!has_ts) out->ts_ms = now_ms;
  return Status::OK();
}

Result<std::vector<EventItem>> SplitEventBody(std::string_view body) {
  std::vector<EventItem> items;
  size_t first = body.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return Parsing("request body is empty: expected NDJSON events or a JSON array");
  if (body[first] == '[') {
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    if (parser.parse(body.data(), body.size()).get(root) != simdjson::SUCCESS || !root.is_array()) {
      return Parsing("request body is not a valid JSON array of events");
    }
    for (simdjson::dom::element e : root.get_array()) {
      EventItem item;
      if (!e.is_object()) {
        item.error = Parsing("an event must be a JSON object");
      } else {
        item.json = simdjson::minify(e);
      }
      items.push_back(std::move(item));
    }
    return items;
  }
  size_t pos = 0;
  while (pos < body.size()) {
    size_t end = body.find('\n', pos);
    if (end == std::string_view::npos) end = body.size();
    std::string_view line = body.substr(pos, end - pos);
    pos = end + 1;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    EventItem item;
    item.json.assign(line);
    items.push_back(std::move(item));
  }
  return items;
}

std::string EncodeEventOp(const EventOpPayload& payload) {
  std::string out;
  out.push_back(1);  // payload version
  PutEvents(&out, payload.user_role);
  PutEvents(&out, payload.item_role);
  return out;
}

Result<EventOpPayload> DecodeEventOp(std::string_view in) {
  EventOpPayload p;
  if (in.empty() || in[0] != 1) return Status::Corruption("unknown event op payload version");
  in.remove_prefix(1);
  if (!GetEvents(&in, &p.user_role) || !GetEvents(&in, &p.item_role) || !in.empty()) {
    return Status::Corruption("truncated event op payload");
  }
  return p;
}

}  // namespace holdfast::recommend
