#include "server/terminal_hint.h"

#include "server/version.h"

#include <catch2/catch.hpp>

TEST_CASE("The terminal hint says what this is and how to connect a host", "[terminal_hint]") {
  std::string const text = mcp::TerminalHint("/usr/bin/halo-mcp", false);
  CHECK(text.find("halo-mcp " + std::string(mcp::Version())) == 0);
  CHECK(text.find("claude mcp add halopsa -- /usr/bin/halo-mcp\n") != std::string::npos);
  CHECK(text.find("/usr/bin/halo-mcp --http 127.0.0.1:8787") != std::string::npos);
  CHECK(text.find("/usr/bin/halo-mcp --demo") != std::string::npos);
  CHECK(text.find("check them with /usr/bin/halo-mcp doctor. No HaloPSA") != std::string::npos);
  CHECK(text.find("Ctrl-D") != std::string::npos);
  CHECK(text.back() == '\n');
}

TEST_CASE("Started with --demo, the hint's commands keep --demo", "[terminal_hint]") {
  std::string const text = mcp::TerminalHint("/opt/h/halo-mcp", true);
  CHECK(text.find("claude mcp add halopsa -- /opt/h/halo-mcp --demo\n") != std::string::npos);
  CHECK(text.find("/opt/h/halo-mcp --demo --http") != std::string::npos);
  CHECK(text.find("No HaloPSA account") == std::string::npos);
}
