#pragma once

// Counters, a latency histogram and gauges for GET /metrics, rendered in Prometheus's text
// exposition format (version 0.0.4). Thread-safe; recording is a short critical section.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace mcp {

class Metrics {
 public:
  Metrics();

  /// A finished tool call: `result` is ok or error.
  void ToolCall(std::string const& tool, std::string const& result,
                std::chrono::duration<double> latency);
  /// An answer from HaloPSA (its status), or 0 when none came (transport failure).
  void Upstream(int status);
  /// Time a call spent waiting for a rate-limit slot (recorded whether it waited or not).
  void LimiterWait(std::chrono::duration<double> waited);
  void TokenFetch();

  /// A value read when rendering (budget in use, Redis health, sessions). Before serving.
  void AddGauge(std::string name, std::string help, std::function<double()> read);

  std::string Render() const;

 private:
  mutable std::mutex mu_;
  std::vector<double> const bounds_;  // histogram bucket upper bounds, seconds
  std::map<std::pair<std::string, std::string>, std::int64_t> calls_;  // (tool, result)
  std::vector<std::int64_t> latency_buckets_;                          // cumulative on render
  double latency_sum_ = 0;
  std::int64_t latency_count_ = 0;
  std::map<int, std::int64_t> upstream_;
  double limiter_wait_ = 0;
  std::int64_t limiter_acquires_ = 0;
  std::int64_t token_fetches_ = 0;
  struct Gauge {
    std::string name, help;
    std::function<double()> read;
  };
  std::vector<Gauge> gauges_;
};

/// A Prometheus label value with \, " and newlines escaped.
std::string PrometheusLabel(std::string const& value);

}  // namespace mcp
