// When a note may go out as an email. Emailing is rare and cannot be taken back, so an action
// that asks for it must be visible to the end user and have somebody to send it to.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace mcp {

/// Why the add_action arguments `args` must not be sent, or "" when they may. `ticket_email` is
/// the ticket's end-user address ("" when it has none or it was not read).
std::string EmailRefusal(nlohmann::json const& args, std::string const& ticket_email);

/// Whether EmailRefusal needs the ticket's end-user address to decide.
bool NeedsTicketEmail(nlohmann::json const& args);

}  // namespace mcp
