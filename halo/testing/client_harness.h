#pragma once

#include "halo/halo_client.h"
#include "halo/testing/fake_clock.h"
#include "halo/testing/fake_halo.h"
#include "halo/testing/scripted_http.h"

#include <memory>

namespace halo::testing {

/// A client whose time is `clock` and whose sleeps are recorded (and advance the clock).
inline std::shared_ptr<HaloClient> MakeWithFakeTime(HaloOptions o, ClientDependencies deps,
                                                    std::shared_ptr<FakeClock> const& clock,
                                                    RecordingSleeper& sleeper) {
  deps.clock = clock;
  deps.sleeper = sleeper.AsSleeper();
  deps.jitter_seed = 12345;
  auto c = MakeHaloClient(std::move(o), std::move(deps));
  return c.ok() ? *c : nullptr;
}

/// A FakeHalo plus a fake clock and recording sleeper, and a way to build clients against them.
struct ClientHarness {
  FakeHalo halo;
  std::shared_ptr<FakeClock> clock = std::make_shared<FakeClock>();
  RecordingSleeper sleeper{clock};

  HaloOptions Options() const {
    HaloOptions o;
    o.base_url = halo.base_url();
    o.auth_url = halo.base_url() + "/auth";
    o.tenant = halo.tenant();
    o.client_id = halo.client_id;
    o.client_secret = halo.client_secret;
    o.read_timeout = std::chrono::milliseconds(5000);
    o.connect_timeout = std::chrono::milliseconds(2000);
    o.user_agent = std::string("halo-mcp/") + HALO_MCP_VERSION;
    return o;
  }

  std::shared_ptr<HaloClient> Make(HaloOptions o) {
    return MakeWithFakeTime(std::move(o), {}, clock, sleeper);
  }
  std::shared_ptr<HaloClient> Make() { return Make(Options()); }
};

/// A client over a ScriptedHttp (no sockets) with a fake clock and recording sleeper.
struct ScriptedHarness {
  std::shared_ptr<ScriptedHttp> http = std::make_shared<ScriptedHttp>();
  std::shared_ptr<FakeClock> clock = std::make_shared<FakeClock>();
  RecordingSleeper sleeper{clock};

  HaloOptions Options() const {
    HaloOptions o;
    o.base_url = "https://acme.halopsa.com";
    o.auth_url = "https://acme.halopsa.com/auth";
    o.tenant = "acme";
    o.client_id = "test-client-id";
    o.client_secret = "S3cr3t Value/With+Chars&=";
    o.user_agent = "halo-mcp/test";
    return o;
  }

  std::shared_ptr<HaloClient> Make(HaloOptions o) {
    ClientDependencies deps;
    deps.http = http;
    return MakeWithFakeTime(std::move(o), std::move(deps), clock, sleeper);
  }
  std::shared_ptr<HaloClient> Make() { return Make(Options()); }
};

/// n records {"id": first+i, "summary": "record i"}.
inline nlohmann::json Records(int n, int first_id = 1) {
  nlohmann::json rows = nlohmann::json::array();
  for (int i = 0; i < n; ++i) {
    rows.push_back({{"id", first_id + i}, {"summary", "record " + std::to_string(i)}});
  }
  return rows;
}

}  // namespace halo::testing
