#include "index/shard/document_merge.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace holdfast {

namespace {

// Merges `from` into `into`; returns true when `into` changed.
bool MergeInto(rapidjson::Value& into, rapidjson::Value& from, rapidjson::Document::AllocatorType& alloc) {
  bool changed = false;
  for (auto& m : from.GetObject()) {
    auto it = into.FindMember(m.name);
    if (it == into.MemberEnd()) {
      into.AddMember(rapidjson::Value(m.name, alloc), rapidjson::Value(m.value, alloc), alloc);
      changed = true;
    } else if (it->value.IsObject() && m.value.IsObject()) {
      changed = MergeInto(it->value, m.value, alloc) || changed;
    } else if (it->value != m.value) {
      it->value.CopyFrom(m.value, alloc);
      changed = true;
    }
  }
  return changed;
}

Status ParseObject(std::string_view json, rapidjson::Document* doc, const char* what) {
  doc->Parse<rapidjson::kParseValidateEncodingFlag>(json.data(), json.size());
  if (doc->HasParseError()) {
    return Status::MapperParsing(
        std::string("failed to parse ") + what + ": " + rapidjson::GetParseError_En(doc->GetParseError()));
  }
  if (!doc->IsObject()) {
    return Status::MapperParsing(std::string(what) + " must be a JSON object");
  }
  return Status::OK();
}

}  // namespace

Result<std::string> MergeDocuments(std::string_view source, std::string_view partial, bool* changed) {
  rapidjson::Document base, patch;
  HOLDFAST_RETURN_IF_ERROR(ParseObject(source, &base, "the stored document"));
  HOLDFAST_RETURN_IF_ERROR(ParseObject(partial, &patch, "[doc]"));
  *changed = MergeInto(base, patch, base.GetAllocator());
  if (!*changed) return std::string(source);
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  base.Accept(w);
  return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace holdfast
