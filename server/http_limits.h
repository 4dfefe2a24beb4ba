#pragma once

// The resource limits of the HTTP transport that are not a single number to compare: the memory
// allowance shared by every request being read or served, and the connection table that decides
// which connection gives way when it is full. Time comes from an injected clock.

#include "halo/clock.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

namespace mcp {

/// An upper bound of the memory a JSON-RPC message of `body_bytes` takes once parsed, the text
/// included: about 23 bytes per byte of text at worst (["",...]), and never more than ~110 bytes
/// per value, whose count the parser caps (kMessageLimits).
std::size_t MessageMemoryEstimate(std::size_t body_bytes);

/**
 * Bytes of request data held at once: bodies as they arrive, then each parsed message until its
 * request is answered. A request that does not fit is answered 503 instead of growing the
 * process. Leases over 1/256 of the budget (96 KiB of 24 MiB: a message of about 4 KB) may only
 * fill seven eighths of it, so that big or hostile bodies never crowd out ordinary requests.
 */
class MemoryBudget {
 public:
  explicit MemoryBudget(std::size_t capacity) : capacity_(capacity) {}
  MemoryBudget(MemoryBudget const&) = delete;
  MemoryBudget& operator=(MemoryBudget const&) = delete;

  class Lease {
   public:
    Lease() = default;
    explicit Lease(MemoryBudget* budget) : budget_(budget) {}
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&& other) noexcept;
    ~Lease();
    /// The size this lease is expected to reach (a body's Content-Length): a lease that will be
    /// large is held to the large leases' share from its first byte.
    void Expect(std::size_t total) { expected_ = total; }
    /// Grows the lease to `bytes` in all (never shrinks it); false, unchanged, when the budget
    /// cannot spare that much now.
    bool GrowTo(std::size_t bytes);
    /// Whether a lease of `bytes` could be granted at all, on an idle server.
    bool Possible(std::size_t bytes) const { return budget_ && budget_->Limit(bytes) >= bytes; }
    std::size_t bytes() const { return bytes_; }

   private:
    MemoryBudget* budget_ = nullptr;
    std::size_t bytes_ = 0;
    std::size_t expected_ = 0;
  };

  Lease Start() { return Lease(this); }
  std::size_t used() const;
  std::size_t capacity() const { return capacity_; }

 private:
  /// How much may be in use in all after growing a lease to `lease_total`.
  std::size_t Limit(std::size_t lease_total) const;
  bool Add(std::size_t delta, std::size_t lease_total);
  void Remove(std::size_t bytes);

  std::size_t const capacity_;
  mutable std::mutex mu_;
  std::size_t used_ = 0;
};

/**
 * The open connections, at most `max_connections`. A connection is either waiting for a request
 * (idle keep-alive, or still sending headers or body) or serving one. When the table is full, the
 * connection that has waited longest for its request is closed to make room: idle and trickling
 * connections cannot lock out a client that sends its request promptly. When every connection is
 * serving a request, the newcomer is refused.
 */
class ConnectionTable {
 public:
  using Id = std::uint64_t;
  using Closer = std::function<void()>;

  ConnectionTable(std::size_t max_connections, std::shared_ptr<halo::Clock const> clock);

  /// Registers a new connection (waiting for its request); nullopt when refused. When another
  /// connection had to give way, its closer is put in `evicted` for the caller to run.
  std::optional<Id> Open(Closer close, Closer* evicted);
  void Waiting(Id id);  // waiting for, or reading, a request: may give way
  void Serving(Id id);  // serving a request: kept
  void Closed(Id id);
  std::size_t size() const;

  /// Refuses new connections from now on; returns the closers of those waiting for a request.
  std::vector<Closer> Shutdown();
  /// The closers of every connection (the last step of a shutdown).
  std::vector<Closer> All() const;

 private:
  struct Entry {
    Closer close;
    bool serving = false;
    halo::Clock::time_point since{};
  };

  std::size_t const max_;
  std::shared_ptr<halo::Clock const> clock_;
  mutable std::mutex mu_;
  std::map<Id, Entry> entries_;
  Id next_id_ = 1;
  bool shut_down_ = false;
};

}  // namespace mcp
