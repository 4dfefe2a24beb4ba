#include "server/metrics.h"

#include <cmath>
#include <sstream>

namespace mcp {

namespace {

std::string Number(double v) {
  if (std::isnan(v)) return "NaN";
  std::ostringstream out;
  out.precision(10);
  out << v;
  return out.str();
}

void Header(std::ostringstream& out, char const* name, char const* type, char const* help) {
  out << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n';
}

}  // namespace

std::string PrometheusLabel(std::string const& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

Metrics::Metrics()
    : bounds_{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30},
      latency_buckets_(bounds_.size(), 0) {}

void Metrics::ToolCall(std::string const& tool, std::string const& result,
                       std::chrono::duration<double> latency) {
  std::lock_guard lock(mu_);
  ++calls_[{tool, result}];
  for (std::size_t i = 0; i < bounds_.size(); ++i) {
    if (latency.count() <= bounds_[i]) {
      ++latency_buckets_[i];
      break;
    }
  }
  latency_sum_ += latency.count();
  ++latency_count_;
}

void Metrics::Upstream(int status) {
  std::lock_guard lock(mu_);
  ++upstream_[status];
}

void Metrics::LimiterWait(std::chrono::duration<double> waited) {
  std::lock_guard lock(mu_);
  limiter_wait_ += waited.count();
  ++limiter_acquires_;
}

void Metrics::TokenFetch() {
  std::lock_guard lock(mu_);
  ++token_fetches_;
}

void Metrics::AddGauge(std::string name, std::string help, std::function<double()> read) {
  gauges_.push_back(Gauge{std::move(name), std::move(help), std::move(read)});
}

std::string Metrics::Render() const {
  std::ostringstream out;
  {
    std::lock_guard lock(mu_);
    Header(out, "halo_mcp_tool_calls_total", "counter", "Tool calls by tool and result.");
    for (auto const& [key, n] : calls_) {
      out << "halo_mcp_tool_calls_total{tool=\"" << PrometheusLabel(key.first) << "\",result=\""
          << PrometheusLabel(key.second) << "\"} " << n << '\n';
    }
    Header(out, "halo_mcp_tool_call_seconds", "histogram", "Tool call latency.");
    std::int64_t cumulative = 0;
    for (std::size_t i = 0; i < bounds_.size(); ++i) {
      cumulative += latency_buckets_[i];
      out << "halo_mcp_tool_call_seconds_bucket{le=\"" << Number(bounds_[i]) << "\"} " << cumulative
          << '\n';
    }
    out << "halo_mcp_tool_call_seconds_bucket{le=\"+Inf\"} " << latency_count_ << '\n'
        << "halo_mcp_tool_call_seconds_sum " << Number(latency_sum_) << '\n'
        << "halo_mcp_tool_call_seconds_count " << latency_count_ << '\n';
    Header(out, "halo_mcp_upstream_requests_total", "counter",
           "HaloPSA requests by answer status (0 = no answer).");
    for (auto const& [status, n] : upstream_) {
      out << "halo_mcp_upstream_requests_total{status=\"" << status << "\"} " << n << '\n';
    }
    Header(out, "halo_mcp_upstream_throttled_total", "counter", "429 answers from HaloPSA.");
    auto throttled = upstream_.find(429);
    out << "halo_mcp_upstream_throttled_total "
        << (throttled == upstream_.end() ? 0 : throttled->second) << '\n';
    Header(out, "halo_mcp_limiter_wait_seconds_total", "counter",
           "Time spent waiting for rate-limit slots.");
    out << "halo_mcp_limiter_wait_seconds_total " << Number(limiter_wait_) << '\n';
    Header(out, "halo_mcp_limiter_acquires_total", "counter", "Rate-limit slots taken.");
    out << "halo_mcp_limiter_acquires_total " << limiter_acquires_ << '\n';
    Header(out, "halo_mcp_token_fetches_total", "counter",
           "HaloPSA token fetches by this process.");
    out << "halo_mcp_token_fetches_total " << token_fetches_ << '\n';
  }
  for (auto const& g : gauges_) {
    out << "# HELP " << g.name << ' ' << g.help << "\n# TYPE " << g.name << " gauge\n"
        << g.name << ' ' << Number(g.read()) << '\n';
  }
  return out.str();
}

}  // namespace mcp
