// Events: what users did with items (DESIGN.md §5) — the input of
// popularity and recommendations.
//
// An event is {user, item, type, ts, quantity}. Types are fixed (view, cart,
// purchase); their weights are index settings. Events are written through the
// shard op log (OpType::kEvent) as an encoded batch, so they are durable
// before the acknowledgement and can be shipped to replicas like any op.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "index/util/status.h"

namespace holdfast::recommend {

enum class EventType : uint8_t { kView = 0, kCart = 1, kPurchase = 2 };
inline constexpr size_t kEventTypes = 3;

std::optional<EventType> EventTypeFromName(std::string_view name);
const char* EventTypeName(EventType type);

struct Event {
  std::string user;
  std::string item;
  EventType type = EventType::kView;
  int64_t ts_ms = 0;
  double quantity = 1;
};

// Longest user or item id accepted (as document ids).
inline constexpr size_t kMaxEventIdBytes = 512;

// Parses one event object (JSON). `now_ms` is used when `ts` is absent.
// Errors (kInvalidArgument, or kParse for malformed JSON) name the bad field.
Status ParseEvent(std::string_view json, int64_t now_ms, Event* out);

// The parts of a request body: NDJSON (one event object a line) or one JSON
// array of event objects. Each element is the raw JSON of one event, or an
// error for a line/element that is not even a JSON object (reported per item).
struct EventItem {
  std::string json;
  Status error;
};
Result<std::vector<EventItem>> SplitEventBody(std::string_view body);

// Op log payload of a batch of events applied to one shard. `user_role`
// events update user histories and co-occurrence counts on the user's shard;
// `item_role` events update popularity on the item's shard (both sets are
// the same events when user and item share a shard).
struct EventOpPayload {
  std::vector<Event> user_role;
  std::vector<Event> item_role;
};
std::string EncodeEventOp(const EventOpPayload& payload);
Result<EventOpPayload> DecodeEventOp(std::string_view bytes);

}  // namespace holdfast::recommend
