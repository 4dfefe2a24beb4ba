// Start-up, memory and per-call CPU of the halo-mcp stdio server, each beside a baseline measured
// in the same run (these machines are shared and noisy: compare ratios, not absolute times).
//
//   startup_bench <path-to-halo-mcp> [runs]
//
// - cold start: spawn to the initialize result; baseline: spawn of /bin/cat to its first echo.
// - peak RSS (VmHWM) after initialize + tools/list; baseline: /bin/cat after the same exchange.
// - server CPU per tools/call (CPU time of every thread over many calls of a lookup tool against
//   the simulator); baseline: server CPU per ping on the same process. Measured twice: calls sent
//   back to back (warm caches), and calls 100 ms apart, as when HaloPSA takes that long to answer
//   (the process waits with cold caches; its ping baseline is paced the same way).
#include "sim/simulator.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <poll.h>
#include <signal.h>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Child {
  pid_t pid = -1;
  int in = -1, out = -1;
  std::string pending;

  static Child Spawn(std::vector<std::string> const& argv, std::vector<std::string> const& env) {
    int a[2], b[2];
    if (pipe2(a, O_CLOEXEC) != 0 || pipe2(b, O_CLOEXEC) != 0) std::abort();
    int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
    // Nothing is allocated between fork and exec (see tests/support/mcp_process.cc).
    std::vector<char*> args, envp;
    for (auto const& s : argv) args.push_back(const_cast<char*>(s.c_str()));
    args.push_back(nullptr);
    for (auto const& s : env) envp.push_back(const_cast<char*>(s.c_str()));
    envp.push_back(nullptr);
    Child c;
    c.pid = fork();
    if (c.pid == 0) {
      dup2(a[0], 0);
      dup2(b[1], 1);
      dup2(devnull, 2);
      execve(args[0], args.data(), envp.data());
      _exit(127);
    }
    close(a[0]);
    close(b[1]);
    close(devnull);
    c.in = a[1];
    c.out = b[0];
    return c;
  }
  void Send(std::string const& line) {
    std::string l = line + "\n";
    if (write(in, l.data(), l.size()) < 0) std::abort();
  }
  std::string ReadLine() {
    for (;;) {
      auto nl = pending.find('\n');
      if (nl != std::string::npos) {
        std::string line = pending.substr(0, nl);
        pending.erase(0, nl + 1);
        return line;
      }
      char buf[65536];
      ssize_t n = read(out, buf, sizeof buf);
      if (n <= 0) return "";
      pending.append(buf, static_cast<std::size_t>(n));
    }
  }
  long StatusKb(char const* key) const {
    std::ifstream f("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(f, line);) {
      if (line.rfind(key, 0) == 0) return std::stol(line.substr(std::string(key).size()));
    }
    return -1;
  }
  // CPU time of every thread of the process, in seconds, from the scheduler's nanosecond
  // counters (utime/stime tick at 10 ms, too coarse for a single call).
  double CpuSeconds() const {
    double total = 0;
    std::string const dir = "/proc/" + std::to_string(pid) + "/task";
    for (auto const& task : std::filesystem::directory_iterator(dir)) {
      std::ifstream f(task.path() / "schedstat");
      unsigned long long ns = 0;
      if (f >> ns) total += static_cast<double>(ns) / 1e9;
    }
    return total;
  }
  /// Resident memory by mapping (a library's path, [heap], [stack] or anonymous), largest first:
  /// where the peak RSS goes.
  std::vector<std::pair<long, std::string>> RssByMapping() const {
    std::ifstream f("/proc/" + std::to_string(pid) + "/smaps");
    std::map<std::string, long> kb;
    std::string current;
    for (std::string line; std::getline(f, line);) {
      if (line.rfind("Rss:", 0) == 0) {
        kb[current] += std::stol(line.substr(4));
      } else if (!line.empty() && std::isxdigit(static_cast<unsigned char>(line[0])) &&
                 line.find('-') < line.find(' ')) {
        std::istringstream fields(line);
        std::string range, perms, offset, dev, inode, path;
        fields >> range >> perms >> offset >> dev >> inode >> path;
        current = path.empty() ? "[anonymous]" : path;
      }
    }
    std::vector<std::pair<long, std::string>> out;
    for (auto const& [name, n] : kb) out.emplace_back(n, name);
    std::sort(out.rbegin(), out.rend());
    return out;
  }
  void Stop() {
    close(in);
    waitpid(pid, nullptr, 0);
    close(out);
  }
};

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

std::string const kInit =
    R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}})";
std::string const kList = R"({"jsonrpc":"2.0","id":2,"method":"tools/list"})";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: startup_bench <halo-mcp> [runs]\n";
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  std::string const server = argv[1];
  int const runs = argc > 2 ? std::atoi(argv[2]) : 15;

  halo_sim::SimOptions o;
  o.tickets = 200;
  o.rate_limit_requests = 0;
  halo_sim::Simulator sim(o);
  if (auto e = sim.Start()) {
    std::cerr << *e << "\n";
    return 1;
  }
  if (auto l = spdlog::get("halo_sim")) l->set_level(spdlog::level::warn);
  std::vector<std::string> env{"HALOPSA_BASE_URL=" + sim.base_url(),
                               "HALOPSA_TENANT=" + sim.tenant(),
                               "HALOPSA_CLIENT_ID=" + sim.client_id(),
                               "HALOPSA_CLIENT_SECRET=" + sim.client_secret(),
                               "HALOPSA_RATE_LIMIT=off",
                               "HALO_MCP_LOG_LEVEL=warn"};

  // Peak RSS of a server after initialize + tools/list, with the given extra environment.
  auto session_rss_kb = [&](std::vector<std::string> extra) {
    extra.insert(extra.begin(), env.begin(), env.end());
    Child c = Child::Spawn({server, "--toolsets", "all"}, extra);
    c.Send(kInit);
    c.ReadLine();
    c.Send(kList);
    c.ReadLine();
    long kb = c.StatusKb("VmHWM:");
    c.Stop();
    return static_cast<double>(kb);
  };
  // The same server without any tool: only toolsets.json, lookups.json and records.json.
  std::filesystem::path const no_tools =
      std::filesystem::temp_directory_path() / ("startup_bench_" + std::to_string(getpid()));
  std::filesystem::create_directories(no_tools);
  for (char const* f : {"toolsets.json", "lookups.json", "records.json"}) {
    std::filesystem::copy_file(std::filesystem::path(HALO_MCP_SCHEMA_DIR) / f, no_tools / f,
                               std::filesystem::copy_options::overwrite_existing);
  }
  std::size_t tool_files = 0;
  for (auto const& d : std::filesystem::directory_iterator(HALO_MCP_SCHEMA_DIR)) {
    if (!d.is_directory()) continue;
    for (auto const& f : std::filesystem::directory_iterator(d.path())) {
      tool_files += f.path().extension() == ".json";
    }
  }

  std::vector<double> start_ms, base_ms, rss_kb, base_rss_kb, all_kb, none_kb;
  std::vector<std::pair<long, std::string>> where;  // of the first run
  for (int i = 0; i < runs; ++i) {
    auto t0 = Clock::now();
    Child c = Child::Spawn({server}, env);
    c.Send(kInit);
    std::string r = c.ReadLine();
    auto t1 = Clock::now();
    if (r.find("\"result\"") == std::string::npos) {
      std::cerr << "initialize failed: " << r << "\n";
      return 1;
    }
    c.Send(kList);
    c.ReadLine();
    rss_kb.push_back(static_cast<double>(c.StatusKb("VmHWM:")));
    if (i == 0) where = c.RssByMapping();
    c.Stop();
    start_ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());

    auto b0 = Clock::now();
    Child cat = Child::Spawn({"/bin/cat"}, {});
    cat.Send(kInit);
    cat.ReadLine();
    auto b1 = Clock::now();
    cat.Send(kList);
    cat.ReadLine();
    base_rss_kb.push_back(static_cast<double>(cat.StatusKb("VmHWM:")));
    cat.Stop();
    base_ms.push_back(std::chrono::duration<double, std::milli>(b1 - b0).count());

    all_kb.push_back(session_rss_kb({"HALO_MCP_SCHEMA_DIR=" HALO_MCP_SCHEMA_DIR}));
    none_kb.push_back(session_rss_kb({"HALO_MCP_SCHEMA_DIR=" + no_tools.string()}));
  }
  std::filesystem::remove_all(no_tools);

  // CPU per call: one long-lived server, many calls, CPU time read from /proc.
  Child c = Child::Spawn({server}, env);
  c.Send(kInit);
  c.ReadLine();
  auto measure = [&](std::string const& request, int calls, std::chrono::milliseconds pause) {
    // Over the whole loop, so work done after an answer is written counts too (an idle server
    // uses no CPU during the pauses).
    double before = c.CpuSeconds();
    for (int i = 0; i < calls; ++i) {
      if (pause.count() > 0) usleep(static_cast<useconds_t>(pause.count() * 1000));
      c.Send(request);
      c.ReadLine();
    }
    return (c.CpuSeconds() - before) * 1000.0 / calls;
  };
  std::string const kPing = R"({"jsonrpc":"2.0","id":4,"method":"ping"})";
  std::string const kCall =
      R"({"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"halopsa_list_statuses","arguments":{}}})";
  using std::chrono::milliseconds;
  measure(kCall, 400, milliseconds(0));  // warm-up
  double ping_ms = measure(kPing, 400, milliseconds(0));
  double call_ms = measure(kCall, 400, milliseconds(0));
  double paced_ping_ms = measure(kPing, 30, milliseconds(100));
  double paced_call_ms = measure(kCall, 30, milliseconds(100));
  c.Stop();

  double s = Median(start_ms), sb = Median(base_ms), m = Median(rss_kb) / 1024.0,
         mb = Median(base_rss_kb) / 1024.0;
  std::printf("runs: %d (medians)\n", runs);
  std::printf(
      "cold start to initialize result: %.2f ms   baseline /bin/cat echo: %.2f ms   ratio %.1fx\n",
      s, sb, s / sb);
  std::printf(
      "peak RSS after initialize+tools/list: %.1f MiB   baseline /bin/cat: %.1f MiB   ratio "
      "%.1fx\n",
      m, mb, m / mb);
  std::printf(
      "server CPU per tools/call (list_statuses via the simulator): %.3f ms   per ping: %.3f ms   "
      "ratio %.1fx\n",
      call_ms, ping_ms, ping_ms > 0 ? call_ms / ping_ms : 0.0);
  std::printf(
      "  the same, calls 100 ms apart (cold caches): %.3f ms   per ping 100 ms apart: %.3f ms   "
      "ratio %.1fx\n",
      paced_call_ms, paced_ping_ms, paced_ping_ms > 0 ? paced_call_ms / paced_ping_ms : 0.0);
  double const per_tool = (Median(all_kb) - Median(none_kb)) / static_cast<double>(tool_files);
  std::printf(
      "peak RSS per tool (--toolsets all, %zu tools vs none): %.1f KiB   with all: %.1f MiB   "
      "with none: %.1f MiB\n",
      tool_files, per_tool, Median(all_kb) / 1024.0, Median(none_kb) / 1024.0);
  std::printf("resident memory by mapping after initialize+tools/list (first run, >= 64 KiB):\n");
  for (auto const& [kb, name] : where) {
    if (kb >= 64) std::printf("  %6ld KiB  %s\n", kb, name.c_str());
  }
  std::printf("goals: start-up <= 10 ms, peak RSS <= 10 MiB, <= 0.2 ms CPU per call\n");
  return 0;
}
