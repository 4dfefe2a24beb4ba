#pragma once

#include "halo/status.h"

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <sys/types.h>
#include <vector>

namespace mcp {

/// Where `halo-mcp --demo` looks for the simulator, in order: beside the running binary (the
/// build tree, or bin/ when installed with the sim component), then the install's
/// libexec/halo-mcp/ (where the package and the bundle put it), then its bin/.
std::vector<std::filesystem::path> SimulatorCandidates(std::filesystem::path const& exe);

/**
 * The demo tenant, served by a halo-sim process on a loopback port: halo-mcp itself never links
 * the simulator (nor its HTTP server library). The child is stopped (SIGTERM, then SIGKILL) when
 * this object is destroyed, and dies with halo-mcp (PR_SET_PDEATHSIG) if halo-mcp is killed.
 */
class DemoSimulator {
 public:
  /// Starts `binary` and waits up to `timeout` for its one-line JSON announcement (base URL and
  /// credentials). The error says what failed and what to do.
  static halo::StatusOr<std::unique_ptr<DemoSimulator>> Start(
      std::filesystem::path const& binary, std::uint64_t seed,
      std::chrono::milliseconds timeout = std::chrono::seconds(30));
  ~DemoSimulator();
  DemoSimulator(DemoSimulator const&) = delete;
  DemoSimulator& operator=(DemoSimulator const&) = delete;

  std::string const& base_url() const { return base_url_; }
  std::string const& tenant() const { return tenant_; }
  std::string const& client_id() const { return client_id_; }
  std::string const& client_secret() const { return client_secret_; }

 private:
  explicit DemoSimulator(pid_t pid) : pid_(pid) {}

  pid_t pid_;
  std::string base_url_, tenant_, client_id_, client_secret_;
};

/// Finds the simulator (SimulatorCandidates of /proc/self/exe) and starts it; the error names
/// every place looked at when it is missing.
halo::StatusOr<std::unique_ptr<DemoSimulator>> StartDemoSimulator(std::uint64_t seed);

}  // namespace mcp
