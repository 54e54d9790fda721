#include "index/shard/store_logger.h"

#include <rocksdb/env.h>

#include <cstdarg>
#include <algorithm>
#include <cstdio>
#include <string>

namespace holdfast {

namespace {

rocksdb::InfoLogLevel ToRocks(StoreLogLevel level) {
  switch (level) {
    case StoreLogLevel::kDebug: return rocksdb::InfoLogLevel::DEBUG_LEVEL;
    case StoreLogLevel::kInfo: return rocksdb::InfoLogLevel::INFO_LEVEL;
    case StoreLogLevel::kWarn: return rocksdb::InfoLogLevel::WARN_LEVEL;
    case StoreLogLevel::kError: return rocksdb::InfoLogLevel::ERROR_LEVEL;
  }
  return rocksdb::InfoLogLevel::WARN_LEVEL;
}

StoreLogLevel FromRocks(rocksdb::InfoLogLevel level) {
  switch (level) {
    case rocksdb::InfoLogLevel::DEBUG_LEVEL: return StoreLogLevel::kDebug;
    case rocksdb::InfoLogLevel::INFO_LEVEL:
    case rocksdb::InfoLogLevel::HEADER_LEVEL: return StoreLogLevel::kInfo;
    case rocksdb::InfoLogLevel::WARN_LEVEL: return StoreLogLevel::kWarn;
    default: return StoreLogLevel::kError;  // ERROR, FATAL
  }
}

class SinkLogger final : public rocksdb::Logger {
 public:
  SinkLogger(StoreLogSink sink, StoreLogLevel min_level) : rocksdb::Logger(ToRocks(min_level)), sink_(std::move(sink)) {}

  void LogHeader(const char* format, va_list ap) override { Logv(rocksdb::InfoLogLevel::HEADER_LEVEL, format, ap); }
  void Logv(const char* format, va_list ap) override { Logv(rocksdb::InfoLogLevel::INFO_LEVEL, format, ap); }
  void Logv(const rocksdb::InfoLogLevel level, const char* format, va_list ap) override {
    // HEADER_LEVEL (options dumps at open) counts as info, whatever its enum value.
    const StoreLogLevel ours = FromRocks(level);
    if (!sink_ || ToRocks(ours) < GetInfoLogLevel()) return;
    char buf[1024];
    va_list copy;
    va_copy(copy, ap);
    const int n = std::vsnprintf(buf, sizeof(buf), format, copy);
    va_end(copy);
    if (n < 0) return;
    std::string_view message(buf, std::min<size_t>(static_cast<size_t>(n), sizeof(buf) - 1));
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.remove_suffix(1);
    sink_(ours, message);
  }

 private:
  const StoreLogSink sink_;
};

}  // namespace

std::shared_ptr<rocksdb::Logger> NewStoreLogger(StoreLogSink sink, StoreLogLevel min_level) {
  return std::make_shared<SinkLogger>(std::move(sink), min_level);
}

}  // namespace holdfast
