#include "index/codec/file_footer.h"

#include "index/codec/varint.h"
#include "index/util/checksum.h"

namespace holdfast::codec {

void AppendFileFooter(std::string* file, uint32_t magic, uint32_t version) {
  PutFixed32(file, magic);
  PutFixed32(file, version);
  PutFixed64(file, Checksum64(*file));
}

Result<VerifiedFile> VerifyFileFooter(std::string_view file, std::string_view file_name,
                                      uint32_t expected_magic) {
  const std::string name(file_name);
  if (file.size() < kFileFooterSize) {
    return Status::Corruption(name + ": file too short for a footer (" +
                              std::to_string(file.size()) + " bytes)");
  }
  const auto* footer = reinterpret_cast<const uint8_t*>(file.data() + file.size() - kFileFooterSize);
  const uint32_t magic = DecodeFixed32(footer);
  if (magic != expected_magic) return Status::Corruption(name + ": bad magic number");
  const uint64_t stored = DecodeFixed64(footer + 8);
  const uint64_t actual = Checksum64(file.substr(0, file.size() - 8));
  if (stored != actual) {
    return Status::Corruption(name + ": checksum mismatch (stored " + ChecksumHex(stored) +
                              ", computed " + ChecksumHex(actual) + ")");
  }
  return VerifiedFile{file.substr(0, file.size() - kFileFooterSize), DecodeFixed32(footer + 4)};
}

}  // namespace holdfast::codec
