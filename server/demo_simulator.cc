#include "server/demo_simulator.h"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <optional>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace mcp {
namespace {

namespace fs = std::filesystem;

/// Waits up to `timeout` for `pid` to exit and reaps it; its wait status, -1 when it is gone
/// already, nullopt when it still runs.
std::optional<int> Reap(pid_t pid, std::chrono::milliseconds timeout) {
  auto const until = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    pid_t const r = waitpid(pid, &status, WNOHANG);
    if (r == pid) return status;
    if (r < 0 && errno != EINTR) return -1;
    if (std::chrono::steady_clock::now() >= until) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

void Stop(pid_t pid) {
  kill(pid, SIGTERM);
  if (Reap(pid, std::chrono::seconds(3))) return;
  kill(pid, SIGKILL);
  Reap(pid, std::chrono::seconds(3));
}

/// Reads one line from `fd` within `timeout`; nullopt on timeout, end of file (`eof` set) or
/// error.
std::optional<std::string> ReadLine(int fd, std::chrono::milliseconds timeout, bool& eof) {
  eof = false;
  auto const until = std::chrono::steady_clock::now() + timeout;
  std::string line;
  for (;;) {
    auto const left = std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    pollfd p{fd, POLLIN, 0};
    int const ready = poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return std::nullopt;
    char buf[512];
    ssize_t const n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    eof = n == 0;
    if (n <= 0) return std::nullopt;
    line.append(buf, static_cast<std::size_t>(n));
    if (auto nl = line.find('\n'); nl != std::string::npos) return line.substr(0, nl);
    if (line.size() > 64 * 1024) return std::nullopt;
  }
}

}  // namespace

std::vector<fs::path> SimulatorCandidates(fs::path const& exe) {
  fs::path const dir = exe.parent_path();
  fs::path const prefix = dir.parent_path();
  std::vector<fs::path> out{dir / "halo-sim", prefix / "libexec" / "halo-mcp" / "halo-sim"};
  if (prefix / "bin" != dir) out.push_back(prefix / "bin" / "halo-sim");
  return out;
}

halo::StatusOr<std::unique_ptr<DemoSimulator>> DemoSimulator::Start(
    fs::path const& binary, std::uint64_t seed, std::chrono::milliseconds timeout) {
  // Everything the child needs is prepared before fork: after it, only async-signal-safe calls.
  std::vector<std::string> args{
      binary.string(),      "--host",      "127.0.0.1", "--port", "0", "--seed",
      std::to_string(seed), "--log-level", "warn"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) return halo::InternalError("demo: cannot create a pipe");
  int const devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
  pid_t const parent = getpid();
  pid_t const pid = fork();
  if (pid < 0) {
    close(out[0]);
    close(out[1]);
    if (devnull >= 0) close(devnull);
    return halo::InternalError("demo: cannot start the simulator (fork failed)");
  }
  if (pid == 0) {
    // The simulator must not outlive halo-mcp, even when halo-mcp is killed outright.
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(1);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);  // halo-mcp blocks the stop signals; undo that
    signal(SIGPIPE, SIG_DFL);
    // Its stdin is not the MCP client's, its stdout is the announcement pipe.
    if (devnull >= 0) dup2(devnull, STDIN_FILENO);
    dup2(out[1], STDOUT_FILENO);
    close_range(3, ~0U, 0);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(out[1]);
  if (devnull >= 0) close(devnull);
  std::unique_ptr<DemoSimulator> sim(new DemoSimulator(pid));
  bool eof = false;
  auto line = ReadLine(out[0], timeout, eof);
  close(out[0]);
  auto fail = [&](std::string const& what) {
    return halo::UnavailableError("could not start the demo tenant: " + binary.string() + " " +
                                  what);
  };
  if (!line) {
    // Its stdout closed: it has exited (or is about to), so its status is worth a short wait.
    if (auto status = eof ? Reap(pid, std::chrono::seconds(2)) : std::nullopt) {
      sim->pid_ = -1;
      if (*status >= 0 && WIFEXITED(*status)) {
        return fail("exited with status " + std::to_string(WEXITSTATUS(*status)));
      }
      return fail("stopped before announcing its port");
    }
    return fail("did not announce its port within " + std::to_string(timeout.count() / 1000) +
                " s");
  }
  auto ready = nlohmann::json::parse(*line, nullptr, false);
  if (!ready.is_object() || !ready.contains("base_url")) {
    return fail("printed an unexpected first line: " + line->substr(0, 200));
  }
  sim->base_url_ = ready.value("base_url", "");
  sim->tenant_ = ready.value("tenant", "");
  sim->client_id_ = ready.value("client_id", "");
  sim->client_secret_ = ready.value("client_secret", "");
  return sim;
}

DemoSimulator::~DemoSimulator() {
  if (pid_ > 0) Stop(pid_);
}

halo::StatusOr<std::unique_ptr<DemoSimulator>> StartDemoSimulator(std::uint64_t seed) {
  std::error_code ec;
  auto exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return halo::InternalError("demo: cannot find the running binary: " + ec.message());
  auto const candidates = SimulatorCandidates(exe);
  for (auto const& c : candidates) {
    if (access(c.c_str(), X_OK) == 0) return DemoSimulator::Start(c, seed);
  }
  std::string looked;
  for (auto const& c : candidates) looked += (looked.empty() ? "" : ", ") + c.string();
  return halo::FailedPreconditionError(
      "--demo needs the simulator halo-sim, which is not installed (looked at " + looked +
      "); reinstall halo-mcp, or build the halo-sim target");
}

}  // namespace mcp
