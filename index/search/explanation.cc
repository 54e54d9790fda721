#include "index/search/explanation.h"

#include <charconv>

namespace holdfast::search {

void Explanation::Write(rapidjson::Writer<rapidjson::StringBuffer>* w) const {
  w->StartObject();
  w->Key("value");
  // A score is a float widened, as hits render `_score`: the same text.
  w->Double(value);
  w->Key("description");
  w->String(description.data(), static_cast<rapidjson::SizeType>(description.size()));
  w->Key("details");
  w->StartArray();
  for (const Explanation& d : details) d.Write(w);
  w->EndArray();
  w->EndObject();
}

std::string Explanation::ToJson() const {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  Write(&w);
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string FormatFloat(float v) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  std::string s(buf, ec == std::errc() ? end : buf);
  // Lucene's Float.toString always shows a fraction ("2.0", not "2").
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
  return s;
}

}  // namespace holdfast::search
