#include "server/action_email.h"

#include <catch2/catch.hpp>

using nlohmann::json;

TEST_CASE("EmailRefusal: an email needs a visible note and a recipient", "[action][email]") {
  using mcp::EmailRefusal;
  CHECK(EmailRefusal({{"note", "x"}}, "").empty());
  CHECK(EmailRefusal({{"send_email", false}}, "").empty());
  CHECK_THAT(EmailRefusal({{"send_email", true}}, "a@b.c"),
             Catch::Matchers::Contains("visible_to_user: true"));
  CHECK_THAT(EmailRefusal({{"send_email", true}, {"visible_to_user", true}}, ""),
             Catch::Matchers::Contains("email_to"));
  CHECK(EmailRefusal({{"send_email", true}, {"visible_to_user", true}}, "a@b.c").empty());
  CHECK(EmailRefusal({{"send_email", true}, {"visible_to_user", true}, {"email_to", "x@y.z"}}, "")
            .empty());
  CHECK_THAT(EmailRefusal({{"email_cc", "x@y.z"}}, "a@b.c"),
             Catch::Matchers::Contains("send_email: true"));
}

TEST_CASE("NeedsTicketEmail: only when the ticket's user is the recipient", "[action][email]") {
  CHECK(mcp::NeedsTicketEmail({{"send_email", true}, {"visible_to_user", true}}));
  CHECK_FALSE(mcp::NeedsTicketEmail({{"send_email", true}}));
  CHECK_FALSE(
      mcp::NeedsTicketEmail({{"send_email", true}, {"visible_to_user", true}, {"email_to", "a"}}));
  CHECK_FALSE(mcp::NeedsTicketEmail({{"visible_to_user", true}}));
}
