#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace halo_sim {

/**
 * SplitMix64: a tiny deterministic generator. Used instead of the std distributions because their
 * output differs between standard libraries, and the simulator's tenant must be the same for a
 * given seed everywhere. Not thread-safe; one instance per generation run.
 */
class Prng {
 public:
  explicit Prng(std::uint64_t seed) : state_(seed) {}

  std::uint64_t Next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

  /// Uniform in [lo, hi] (inclusive). Modulo bias is irrelevant at these sizes.
  std::int64_t Range(std::int64_t lo, std::int64_t hi) {
    if (hi <= lo) return lo;
    auto span = static_cast<std::uint64_t>(hi - lo) + 1;
    return lo + static_cast<std::int64_t>(Next() % span);
  }

  /// True with probability percent/100.
  bool Chance(int percent) { return static_cast<int>(Next() % 100) < percent; }

  /// Uniform double in [0, 1).
  double Unit() { return static_cast<double>(Next() >> 11) / 9007199254740992.0; }

  template <typename T>
  T const& Pick(std::vector<T> const& items) {
    return items[static_cast<std::size_t>(Next() % items.size())];
  }

 private:
  std::uint64_t state_;
};

}  // namespace halo_sim
