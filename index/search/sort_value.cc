#include "index/search/sort_value.h"

#include "index/mapping/ip_address.h"
#include "index/search/aggregation_format.h"

namespace holdfast::search {

int CompareSortValues(const SortSpec& spec, const std::vector<SortValue>& a,
                      const std::vector<SortValue>& b) {
  for (size_t i = 0; i < spec.keys.size(); ++i) {
    int c = CompareSortKeyValue(spec.keys[i], a[i].View(), b[i].View());
    if (c != 0) return c;
  }
  return 0;
}

void WriteSortValues(const SortSpec& spec, const std::vector<SortValue>& values,
                     rapidjson::Writer<rapidjson::StringBuffer>* writer) {
  writer->StartArray();
  for (size_t i = 0; i < spec.keys.size(); ++i) {
    const SortValue& v = values[i];
    if (v.missing) {
      writer->Null();
      continue;
    }
    switch (spec.keys[i].kind) {
      case SortKeyKind::kLong:
      case SortKeyKind::kDoc: writer->Int64(v.number); break;
      case SortKeyKind::kDouble: {
        std::string s = FormatJavaDouble(v.real);
        writer->RawValue(s.data(), s.size(), rapidjson::kNumberType);
        break;
      }
      case SortKeyKind::kScore: {
        std::string s = FormatJavaFloat(static_cast<float>(v.real));
        writer->RawValue(s.data(), s.size(), rapidjson::kNumberType);
        break;
      }
      case SortKeyKind::kKeyword:
      case SortKeyKind::kId:
        if (spec.keys[i].field_type == mapping::FieldType::kIp) {
          const std::string text = mapping::IpTermToText(v.text);
          writer->String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
          break;
        }
        writer->String(v.text.data(), static_cast<rapidjson::SizeType>(v.text.size()));
        break;
      case SortKeyKind::kUnmapped: writer->Null(); break;
    }
  }
  writer->EndArray();
}

}  // namespace holdfast::search
