// The demo's simulator process: found where the install puts it, started with its announcement
// read, stopped with its owner, and every way it can fail to start named.
#include "server/demo_simulator.h"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace std::chrono_literals;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

/// An executable shell script in a fresh directory, standing in for halo-sim.
fs::path Script(std::string const& name, std::string const& body) {
  fs::path dir = fs::temp_directory_path() / ("demo_sim_test_" + std::to_string(getpid()));
  fs::create_directories(dir);
  fs::path file = dir / name;
  std::ofstream(file) << "#!/bin/sh\n" << body << "\n";
  chmod(file.c_str(), 0755);
  return file;
}

/// Whether something listens on the loopback port.
bool Accepts(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool const ok = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  close(fd);
  return ok;
}

}  // namespace

TEST_CASE("halo-sim is looked for beside the binary, then in the install's libexec and bin",
          "[demo]") {
  auto installed = mcp::SimulatorCandidates("/usr/bin/halo-mcp");
  REQUIRE(installed.size() == 2);
  CHECK(installed[0] == "/usr/bin/halo-sim");
  CHECK(installed[1] == "/usr/libexec/halo-mcp/halo-sim");
  auto bundle = mcp::SimulatorCandidates("/opt/x/server/halo-mcp");
  REQUIRE(bundle.size() == 3);
  CHECK(bundle[0] == "/opt/x/server/halo-sim");
  CHECK(bundle[1] == "/opt/x/libexec/halo-mcp/halo-sim");
  CHECK(bundle[2] == "/opt/x/bin/halo-sim");
}

TEST_CASE("The demo simulator runs as a child and stops with its owner", "[demo]") {
  auto sim = mcp::DemoSimulator::Start(HALO_SIM_BINARY, 1);
  REQUIRE(sim.ok());
  CHECK_THAT((*sim)->base_url(), Contains("http://127.0.0.1:"));
  CHECK_FALSE((*sim)->client_id().empty());
  CHECK_FALSE((*sim)->client_secret().empty());
  // Its port answers; once the owner is gone, it does not.
  int const port = std::stoi((*sim)->base_url().substr((*sim)->base_url().rfind(':') + 1));
  CHECK(Accepts(port));
  sim->reset();
  CHECK_FALSE(Accepts(port));
}

TEST_CASE("A simulator that cannot start is a clear error", "[demo]") {
  SECTION("it exits") {
    auto r = mcp::DemoSimulator::Start(Script("exits", "echo broken >&2; exit 3"), 1, 5s);
    CHECK_THAT(r.status().message(), Contains("exited with status 3"));
  }
  SECTION("it says something else") {
    auto r = mcp::DemoSimulator::Start(Script("chatty", "echo hello; exec sleep 30"), 1, 5s);
    CHECK_THAT(r.status().message(), Contains("unexpected first line: hello"));
  }
  SECTION("it never announces itself, and is stopped") {
    fs::path const pid_file =
        fs::temp_directory_path() / ("demo_sim_pid_" + std::to_string(getpid()));
    auto r = mcp::DemoSimulator::Start(
        Script("silent", "echo $$ > " + pid_file.string() + "; exec sleep 30"), 1, 300ms);
    CHECK_THAT(r.status().message(), Contains("did not announce its port"));
    pid_t pid = 0;
    std::ifstream(pid_file) >> pid;
    REQUIRE(pid > 0);
    CHECK(kill(pid, 0) != 0);  // stopped and reaped
    fs::remove(pid_file);
  }
}
