// JsonWriter: a thin convenience over RapidJSON's streaming Writer for
// building response bodies (never by string concatenation). Not thread-safe;
// one per response.
#pragma once

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace holdfast {

class JsonWriter {
 public:
  JsonWriter() : w_(buf_) {}

  JsonWriter& StartObject() { w_.StartObject(); return *this; }
  JsonWriter& EndObject() { w_.EndObject(); return *this; }
  JsonWriter& StartArray() { w_.StartArray(); return *this; }
  JsonWriter& EndArray() { w_.EndArray(); return *this; }
  JsonWriter& Key(std::string_view k) { w_.Key(k.data(), Len(k)); return *this; }
  JsonWriter& String(std::string_view v) { w_.String(v.data(), Len(v)); return *this; }
  JsonWriter& Int(int64_t v) { w_.Int64(v); return *this; }
  JsonWriter& Uint(uint64_t v) { w_.Uint64(v); return *this; }
  JsonWriter& Double(double v) { w_.Double(v); return *this; }
  JsonWriter& Bool(bool v) { w_.Bool(v); return *this; }
  JsonWriter& Null() { w_.Null(); return *this; }
  // A value that is already JSON (a stored _source, a serialized mapping),
  // copied as it is: the caller vouches that it is one valid JSON value.
  JsonWriter& RawJson(std::string_view json) {
    w_.RawValue(json.data(), json.size(), rapidjson::kObjectType);
    return *this;
  }
  // The underlying writer, for code that writes through RapidJSON directly.
  rapidjson::Writer<rapidjson::StringBuffer>* writer() { return &w_; }

  // Key + value in one call.
  JsonWriter& Field(std::string_view k, std::string_view v) { return Key(k).String(v); }
  JsonWriter& Field(std::string_view k, const char* v) { return Key(k).String(v); }
  JsonWriter& Field(std::string_view k, const std::string& v) { return Key(k).String(v); }
  JsonWriter& Field(std::string_view k, int64_t v) { return Key(k).Int(v); }
  JsonWriter& Field(std::string_view k, int v) { return Key(k).Int(v); }
  JsonWriter& Field(std::string_view k, uint64_t v) { return Key(k).Uint(v); }
  JsonWriter& Field(std::string_view k, bool v) { return Key(k).Bool(v); }

  std::string TakeString() { return std::string(buf_.GetString(), buf_.GetSize()); }

 private:
  static rapidjson::SizeType Len(std::string_view s) { return static_cast<rapidjson::SizeType>(s.size()); }
  rapidjson::StringBuffer buf_;
  rapidjson::Writer<rapidjson::StringBuffer> w_;
};

}  // namespace holdfast
