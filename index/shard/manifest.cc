#include "index/shard/manifest.h"

#include <cctype>
#include <charconv>

#include "index/util/checksum.h"

namespace holdfast {

namespace {

// Version 2 added local_checkpoint (version 1's max_seq_no was both).
constexpr std::string_view kMagicV1 = "holdfast-shard-manifest 1\n";
constexpr std::string_view kMagic = "holdfast-shard-manifest 2\n";

template <typename T>
bool ParseInt(std::string_view s, T* out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

bool ValidFileName(std::string_view name) {
  if (name.empty() || name.size() > 128) return false;
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-')) return false;
  }
  return name != "." && name != "..";
}

}  // namespace

std::string EncodeManifest(const ShardManifest& m) {
  std::string out(kMagic);
  out += "generation=" + std::to_string(m.generation) + "\n";
  out += "local_checkpoint=" + std::to_string(m.local_checkpoint) + "\n";
  out += "max_seq_no=" + std::to_string(m.max_seq_no) + "\n";
  out += "next_segment=" + std::to_string(m.next_segment) + "\n";
  for (const ManifestSegment& s : m.segments) {
    out += "segment=" + s.file + " " + std::to_string(s.doc_count) + " " + (s.live_file.empty() ? "-" : s.live_file) + "\n";
  }
  AppendChecksumLine(&out);
  return out;
}

Result<ShardManifest> DecodeManifest(std::string_view text, std::string_view file_name) {
  auto bad = [&](const std::string& why) { return Status::Corruption(std::string(file_name) + ": " + why); };
  const bool v1 = text.substr(0, kMagicV1.size()) == kMagicV1;
  if (!v1 && text.substr(0, kMagic.size()) != kMagic) return bad("not a shard manifest (or of a newer version)");
  const std::optional<std::string_view> body = StripChecksumLine(text);
  if (!body) return bad("checksum line missing or checksum mismatch");
  ShardManifest m;
  std::string_view rest = body->substr(kMagic.size());
  while (!rest.empty()) {
    size_t eol = rest.find('\n');
    std::string_view line = rest.substr(0, eol);
    rest.remove_prefix(eol == std::string_view::npos ? rest.size() : eol + 1);
    size_t eq = line.find('=');
    if (eq == std::string_view::npos) return bad("malformed line");
    std::string_view key = line.substr(0, eq), value = line.substr(eq + 1);
    bool ok = true;
    if (key == "generation") {
      ok = ParseInt(value, &m.generation);
    } else if (key == "local_checkpoint") {
      ok = ParseInt(value, &m.local_checkpoint);
    } else if (key == "max_seq_no") {
      ok = ParseInt(value, &m.max_seq_no);
    } else if (key == "next_segment") {
      ok = ParseInt(value, &m.next_segment);
    } else if (key == "segment") {
      size_t a = value.find(' '), b = value.rfind(' ');
      if (a == std::string_view::npos || a == b) return bad("malformed segment line");
      ManifestSegment s;
      s.file = value.substr(0, a);
      ok = ParseInt(value.substr(a + 1, b - a - 1), &s.doc_count);
      std::string_view live = value.substr(b + 1);
      if (live != "-") s.live_file = live;
      ok = ok && ValidFileName(s.file) && (s.live_file.empty() || ValidFileName(s.live_file));
      m.segments.push_back(std::move(s));
    }
    if (!ok) return bad("bad value for " + std::string(key));
  }
  if (v1) m.local_checkpoint = m.max_seq_no;  // version 1 flushed only up to its checkpoint
  if (m.local_checkpoint > m.max_seq_no) return bad("local_checkpoint above max_seq_no");
  return m;
}

}  // namespace holdfast
