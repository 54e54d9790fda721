#include "index/shard/merge_policy.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace holdfast {

namespace {

constexpr uint32_t kFloorDocs = 1000;

uint32_t Live(const MergeCandidate& c) { return c.docs - c.deleted; }

}  // namespace

std::vector<size_t> SelectTieredMerge(const std::vector<MergeCandidate>& segments, size_t factor) {
  factor = std::max<size_t>(factor, 2);
  std::map<int, std::vector<MergeCandidate>> tiers;
  for (const MergeCandidate& c : segments) {
    const double live = std::max<uint32_t>(Live(c), kFloorDocs);
    const int tier = static_cast<int>(std::floor(std::log(live / kFloorDocs) / std::log(static_cast<double>(factor))));
    tiers[tier].push_back(c);
  }
  for (auto& [tier, members] : tiers) {
    if (members.size() < factor) continue;
    std::sort(members.begin(), members.end(), [](const auto& a, const auto& b) { return Live(a) < Live(b); });
    std::vector<size_t> pick;
    for (size_t i = 0; i < factor; ++i) pick.push_back(members[i].index);
    return pick;
  }
  for (const MergeCandidate& c : segments) {
    if (c.docs > 0 && c.deleted * 2 > c.docs) return {c.index};
  }
  return {};
}

std::vector<size_t> SelectForceMerge(const std::vector<MergeCandidate>& segments, size_t max_segments) {
  max_segments = std::max<size_t>(max_segments, 1);
  if (segments.size() > max_segments) {
    std::vector<MergeCandidate> sorted = segments;
    std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return Live(a) < Live(b); });
    std::vector<size_t> pick;
    for (size_t i = 0; i < segments.size() - max_segments + 1; ++i) pick.push_back(sorted[i].index);
    return pick;
  }
  for (const MergeCandidate& c : segments) {
    if (c.deleted > 0) return {c.index};
  }
  return {};
}

}  // namespace holdfast
