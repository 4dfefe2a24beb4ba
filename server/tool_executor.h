#pragma once

#include "halo/halo_client.h"
#include "halo/status.h"
#include "server/confirmer.h"
#include "server/dates.h"
#include "server/failure_text.h"
#include "server/lookup_resolver.h"
#include "server/mcp_server.h"
#include "server/openapi_index.h"
#include "server/tool_registry.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

namespace mcp {

struct ExecutorOptions {
  /// Day boundaries for date arguments ("today", "2026-12-03"): the tenant's zone.
  std::shared_ptr<TimeZone const> time_zone = ProcessTimeZone("local");
  /// Wall-clock time for relative dates.
  std::function<std::chrono::system_clock::time_point()> wall_clock = [] {
    return std::chrono::system_clock::now();
  };
  std::size_t list_text_chars = 120;  // long text in list rows
  std::size_t get_text_chars = 1000;  // long text in a single record (x2: text + structured)
  std::int64_t default_limit = 25;    // when a list tool's schema gives no default
  std::size_t bulk_chunk = 50;
  /// schemas/openapi-index.json, read on the first api tool call.
  std::filesystem::path openapi_index;
  /// halopsa_api_call may send POST and DELETE (--allow-api-writes / HALO_MCP_API_WRITES).
  bool allow_api_writes = false;
  std::size_t api_result_chars = 8000;  // an api_call answer's text (x4 with full_text)
  /// A bulk change to more records than this needs confirm: true.
  std::size_t bulk_confirm_threshold = 50;
  /// The tenant's ticket source id that marks records this integration creates (HaloPSA's
  /// sources are tenant lookup values, so there is no id to assume); 0 = not sent.
  std::int64_t ticket_source = 0;
  /// Asks the person before deletes and bulk changes over the threshold when the client can
  /// be asked (elicitation); null = the confirm argument alone decides.
  std::shared_ptr<Confirmer const> confirmer;
  /// Lookup lists shared with the other replicas of the tenant (--shared-state); null = local.
  std::shared_ptr<SharedLookupCache> shared_lookups;
};

/// HaloPSA names the fields it rejects ("site_id"); the model knows the tool's arguments
/// ("site"). Renames field keys and mentions in the message to the argument bound to them.
halo::Status RenameFields(halo::Status status, ToolSpec const& tool);

/**
 * Executes schema-described tools through the shared HaloPSA client: arguments become path,
 * query and body values (names resolved to ids), results are projected to the fields a
 * technician needs, long text trimmed and HTML turned into text. Writes are guarded: updates
 * check that the record exists first (a POST without a valid id would create a duplicate),
 * deletes need confirm:true, and nothing that may have reached HaloPSA is retried.
 */
class ToolExecutor final : public ToolCaller {
 public:
  /// client may be null when no tenant is configured; calls then explain `unavailable`.
  ToolExecutor(std::shared_ptr<halo::HaloClient> client, halo::Status unavailable,
               nlohmann::json lookups, nlohmann::json records, ExecutorOptions options = {},
               std::shared_ptr<halo::Clock const> clock = nullptr);

  nlohmann::json Call(ToolSpec const& tool, nlohmann::json const& arguments,
                      CallScope& scope) override;

  /// Start-up check that `principal`'s acting agent names exactly one HaloPSA agent. An unknown
  /// or inexact name is kInvalidArgument/kFailedPrecondition (stop and say so); other failures
  /// (HaloPSA unreachable) are returned as they are, and the check repeats at first use.
  halo::Status CheckActingAgent(std::shared_ptr<Principal const> principal);

  /// A get tool's record, projected as the tool projects it, with HaloPSA's failure kept as a
  /// status (kNotFound for an unknown id): resources/read serves records through this.
  halo::StatusOr<nlohmann::json> ReadRecord(ToolSpec const& tool, nlohmann::json const& args,
                                            CallScope& scope);
  /// The lookup cache, for completions of names.
  LookupResolver& resolver() { return *resolver_; }

 private:
  struct Built {
    std::string path;
    halo::Query query;
    nlohmann::json body = nlohmann::json::object();
    bool dated = false;  // a date argument was read: the result says how
  };
  /// "Dates: today is 2026-12-03 in Europe/London (UTC+00:00)", for results of dated calls.
  std::string DateBasis() const;
  /// Partial-name matches are reported through scope.Note().
  halo::StatusOr<Built> Build(ToolSpec const& tool, nlohmann::json const& args, CallScope& scope,
                              bool include_body = true);
  /// One argument's name(s) to HaloPSA's id(s). Writes accept only exact names or ids; reads
  /// may use a unique partial name, which is reported. "me" is the acting agent, and
  /// "unassigned" (or null on a write) is agent 0. `context` holds the ids of records the call
  /// named that others are looked for within (a site or user within the named client).
  halo::StatusOr<nlohmann::json> ResolveArgument(ToolSpec const& tool, ParamBinding const& p,
                                                 nlohmann::json const& value, CallScope& scope,
                                                 LookupResolver::Context const& context = {});
  /// Body fields a named record implies when their arguments are not given: a user's client
  /// and default site (HaloPSA requires a site with a user).
  halo::Status FillImplied(ToolSpec const& tool, nlohmann::json const& args, Built& built,
                           CallScope& scope);
  /// The id of the agent the request acts as (the principal's), resolved exactly.
  halo::StatusOr<nlohmann::json> ActingAgent(CallScope& scope);
  nlohmann::json Project(nlohmann::json const& record, ToolSpec const& tool,
                         nlohmann::json const& args, bool in_list, halo::CallContext const& ctx);
  std::vector<std::string> Columns(ToolSpec const& tool, nlohmann::json const& args, bool in_list);
  /// The record fields a list row's projection reads (columns, the ids names come from, HTML
  /// sources); empty when it shows whole records or the caller chose `fields` (those are checked
  /// against every field HaloPSA sent).
  std::vector<std::string> ReadFields(ToolSpec const& tool, nlohmann::json const& args);
  /// Requested `fields` that none of the records has: an error listing the valid names.
  halo::Status CheckFields(ToolSpec const& tool, nlohmann::json const& args,
                           nlohmann::json const& records) const;

  nlohmann::json Dispatch(ToolSpec const& tool, nlohmann::json const& args, CallScope& scope);
  nlohmann::json List(ToolSpec const& tool, nlohmann::json const& args, CallScope& scope);
  nlohmann::json Get(ToolSpec const& tool, nlohmann::json const& args, CallScope& scope);
  /// For a search that found nothing: "Closest names: ..." from the record's lookup, or "".
  std::string Closest(ToolSpec const& tool, nlohmann::json const& args, CallScope& scope);
  nlohmann::json Create(ToolSpec const& tool, nlohmann::json const& args, CallScope& scope);
  nlohmann::json Update(ToolSpec const& tool, nlohmann::json const& args, CallScope& scope);
  nlohmann::json BulkUpdate(ToolSpec const& tool, nlohmann::json const& args, CallScope& scope);
  nlohmann::json Delete(ToolSpec const& tool, nlohmann::json const& args, CallScope& scope);
  // server/action_tools.cc
  nlohmann::json AddAction(ToolSpec const& tool, nlohmann::json const& args, CallScope& scope);
  // server/attachment_tools.cc
  nlohmann::json GetAttachment(ToolSpec const& tool, nlohmann::json const& args, CallScope& scope);
  nlohmann::json AddAttachment(ToolSpec const& tool, nlohmann::json const& args, CallScope& scope);
  // server/search_tools.cc
  nlohmann::json Search(ToolSpec const& tool, nlohmann::json const& args, CallScope& scope);
  // server/ticket_link_tools.cc
  nlohmann::json MergeTickets(ToolSpec const& tool, nlohmann::json const& args, CallScope& scope);
  // server/time_tools.cc
  nlohmann::json TimeEntries(ToolSpec const& tool, nlohmann::json const& args, CallScope& scope);
  nlohmann::json Timesheet(ToolSpec const& tool, nlohmann::json const& args, CallScope& scope);
  /// billing_tools.cc: prepaid balances per client.
  nlohmann::json ListPrepay(ToolSpec const& tool, nlohmann::json const& args, CallScope& scope);
  /// approval_tools.cc: answers one approval step, checking it first.
  nlohmann::json RespondToApproval(ToolSpec const& tool, nlohmann::json const& args,
                                   CallScope& scope);
  /// api_tools.cc: search the operation index; call one documented operation.
  nlohmann::json ApiOperations(ToolSpec const& tool, nlohmann::json const& args, CallScope& scope);
  nlohmann::json ApiCall(ToolSpec const& tool, nlohmann::json const& args, CallScope& scope);
  halo::StatusOr<std::shared_ptr<ApiCatalogue const>> Catalogue();
  /// report_tools.cc: a saved report's rows, projected and paged.
  nlohmann::json RunReport(ToolSpec const& tool, nlohmann::json const& args, CallScope& scope);

  std::string Noun(ToolSpec const& tool) const;
  /// The person's consent through options_.confirmer (kNotAsked without one).
  Consent AskConsent(ToolSpec const& tool, nlohmann::json const& args, std::string const& message,
                     CallScope& scope) const {
    return options_.confirmer ? options_.confirmer->Ask(tool.name, args, message, scope)
                              : Consent{};
  }

  std::shared_ptr<halo::HaloClient> client_;
  halo::Status unavailable_;
  nlohmann::json records_;
  ExecutorOptions options_;
  std::unique_ptr<LookupResolver> resolver_;
  std::unique_ptr<LazyApiCatalogue> api_catalogue_ =
      std::make_unique<LazyApiCatalogue>(options_.openapi_index);
};

}  // namespace mcp
