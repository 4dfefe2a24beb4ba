#include "server/action_email.h"

namespace mcp {

using nlohmann::json;

namespace {

bool Given(json const& args, char const* name) {
  auto it = args.find(name);
  return it != args.end() && it->is_string() && !it->get<std::string>().empty();
}

}  // namespace

bool NeedsTicketEmail(json const& args) {
  return args.value("send_email", false) && args.value("visible_to_user", false) &&
         !Given(args, "email_to");
}

std::string EmailRefusal(json const& args, std::string const& ticket_email) {
  bool const send = args.value("send_email", false);
  if (!send) {
    if (Given(args, "email_to") || Given(args, "email_cc")) {
      return "email_to/email_cc only apply with send_email: true; add it to send the email, or "
             "leave the recipients out for a note without email.";
    }
    return "";
  }
  if (!args.value("visible_to_user", false)) {
    return "send_email needs a note the end user can see: add visible_to_user: true (a private "
           "note is never emailed).";
  }
  if (!Given(args, "email_to") && ticket_email.empty()) {
    return "send_email has nobody to send to: the ticket's end user has no email address; give "
           "email_to.";
  }
  return "";
}

}  // namespace mcp
