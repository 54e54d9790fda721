// RecommendSettings: the event and recommendation parameters of an index
// (`index.recommend.*` settings, fixed at index creation because stored
// counters depend on them). docs/recommendations.md explains each.
#pragma once

#include <array>
#include <cstdint>

#include "index/recommend/event.h"

namespace holdfast::recommend {

struct RecommendSettings {
  // Weight of each event type (view, cart, purchase) in popularity and
  // co-occurrence.
  std::array<double, kEventTypes> weights{1.0, 3.0, 5.0};
  int64_t popularity_half_life_ms = 3LL * 24 * 3600 * 1000;
  // Distinct items kept per user (most recent).
  uint32_t history_size = 200;
  // Co-occurrence increments (see event_shard.h), with the `pair_window`
  // most recent items of the history.
  uint32_t pair_window = 50;
  double pair_new = 1.0;
  double pair_same = 0.0;
  double pair_decay = 0.0;
  int64_t pair_tau_ms = 30LL * 24 * 3600 * 1000;
  int64_t pair_max_gap_ms = 0;  // 0: no limit

  // Query time (docs/recommendations.md; recommender.cc):
  //   item requests: S(i, j) = C(i, j) / (U(i)^alpha * U(j)^(1 - alpha))
  //   user requests: score(j) = own_weight * c_j / (n_j + own_smoothing)
  //                           + popularity_weight * pop(j) / max pop
  //                           + cooccurrence_weight * knn(j) / max knn
  //   with knn(j) = Σ over the `profile_size` most recent items i of the
  //   user, the k-th weighted profile_decay^k, of S(i, j).
  double alpha = 0.5;
  uint32_t profile_size = 50;
  double profile_decay = 1.0;
  double own_weight = 1.0;
  double own_smoothing = 3.0;
  double popularity_weight = 0.3;
  double cooccurrence_weight = 0.0;
};

}  // namespace holdfast::recommend
