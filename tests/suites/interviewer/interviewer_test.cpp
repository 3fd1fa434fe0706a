// Interviewer-only acceptance tests (ctest label `interviewer`): edge cases
// that the candidate's bundle leaves out, to tell a solution that follows
// the spec from one tuned to the visible tests. They hold from stage 2 on
// (some need its rules), and like every suite they pass against a shared
// server: each test makes its own users and compares only those.
#include <algorithm>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "acceptance_test.hpp"
#include "table_rows.hpp"
#include "concurrent_requests.hpp"
#include "text.hpp"

namespace acceptance {
namespace {

using acceptance::PrintTo;  // Rows print with their rules (table_rows.hpp).
using nlohmann::json;

using InterviewerTest = AcceptanceTest;

// A server that numbers users by counting them hands out an id twice once
// a user in the middle is gone.
SPEC_TEST_F(InterviewerTest, IdsDoNotComeFromTheNumberOfUsers, "USER-2 GET-1") {
  const Exchange first = CreateUser();
  const Exchange second = CreateUser();
  ASSERT_HTTP(HasStatus(first, 201));
  ASSERT_HTTP(HasStatus(second, 201));
  ASSERT_HTTP(HasStatus(api().Delete(UserPath(first.Json())), 204));
  const Exchange third = CreateUser();
  ASSERT_HTTP(HasStatus(third, 201));
  EXPECT_HTTP(Holds(third, IdOf(third) > IdOf(second),
                    "the new id " + std::to_string(IdOf(third)) + " is above " +
                        std::to_string(IdOf(second)) + ", the last one handed out"));
  const Exchange still = api().Get(UserPath(second.Json()));
  ASSERT_HTTP(HasStatus(still, 200));
  EXPECT_HTTP(HasJson(still, "/email", second.Json()["email"]));
}

// Uniqueness ignores case on update too, not only on create.
SPEC_TEST_F(InterviewerTest, UpdateToAnotherUsersEmailInOtherCaseIsAConflict,
            "EMAIL-12 EMAIL-13 UPDATE-13") {
  const Exchange owner = CreateUser();
  const Exchange other = CreateUser();
  ASSERT_HTTP(HasStatus(owner, 201));
  ASSERT_HTTP(HasStatus(other, 201));
  std::string shouted = owner.Json()["email"];
  std::transform(shouted.begin(), shouted.end(), shouted.begin(), ::toupper);
  const Exchange updated = api().Put(UserPath(other.Json()), {{"email", shouted}});
  EXPECT_HTTP(HasStatus(updated, 409));
  EXPECT_HTTP(HasJson(api().Get(UserPath(other.Json())), "/email", other.Json()["email"]));
}

// An update is all or nothing: a valid name next to an invalid age must
// not be applied.
SPEC_TEST_F(InterviewerTest, UpdateThatFailsValidationChangesNoField, "UPDATE-13") {
  const Exchange created = CreateUser({{"name", "Before"}, {"age", 40}});
  ASSERT_HTTP(HasStatus(created, 201));
  const Exchange refused = api().Put(UserPath(created.Json()),
                                     {{"name", "After"}, {"email", "not-an-email"}, {"age", 41}});
  EXPECT_HTTP(HasStatus(refused, 422));
  const Exchange fetched = api().Get(UserPath(created.Json()));
  ASSERT_HTTP(HasStatus(fetched, 200));
  EXPECT_HTTP(HasJson(fetched, "/name", "Before"));
  EXPECT_HTTP(HasJson(fetched, "/age", 40));
  EXPECT_HTTP(HasJson(fetched, "/email", created.Json()["email"]));
  EXPECT_HTTP(HasJson(fetched, "/updated_at", created.Json()["updated_at"]));
}

// Deleting from the middle must not reorder the rest (a vector erased by
// swapping with the last element would).
SPEC_TEST_F(InterviewerTest, ListKeepsIdOrderAfterDeletesInTheMiddle, "LIST-2") {
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 6; ++i) {
    const Exchange created = CreateUser();
    ASSERT_HTTP(HasStatus(created, 201));
    ids.push_back(IdOf(created));
  }
  ASSERT_HTTP(HasStatus(api().Delete("/users/" + std::to_string(ids[1])), 204));
  ASSERT_HTTP(HasStatus(api().Delete("/users/" + std::to_string(ids[3])), 204));
  const std::vector<std::int64_t> kept{ids[0], ids[2], ids[4], ids[5]};

  const UserListing listing = api().ListAllUsers("/users", ListsEveryId(kept));
  ASSERT_HTTP(Holds(listing.last, listing.complete, "every page of GET /users answers 200"));
  std::vector<std::int64_t> seen;
  for (const json& user : listing.users) {
    const auto id = user.value("id", std::int64_t{0});
    if (std::find(ids.begin(), ids.end(), id) != ids.end()) seen.push_back(id);
  }
  std::string order;
  for (std::int64_t id : seen) order += (order.empty() ? "" : ", ") + std::to_string(id);
  EXPECT_HTTP(Holds(listing.last, seen == kept,
                    "this test's users listed as " + std::to_string(kept[0]) + ", " +
                        std::to_string(kept[1]) + ", " + std::to_string(kept[2]) + ", " +
                        std::to_string(kept[3]) + "; got " + order));
}

// 100 characters, each four bytes in UTF-8: length counts characters.
SPEC_TEST_F(InterviewerTest, NameOfHundredFourByteCharactersIsAccepted, "NAME-2 CONV-2") {
  std::string name;
  for (int i = 0; i < 100; ++i) name += "\xF0\x9D\x94\x98";  // U+1D518
  const Exchange created = CreateUser({{"name", name}});
  ASSERT_HTTP(HasStatus(created, 201));
  EXPECT_HTTP(HasJson(created, "/name", name));
  EXPECT_HTTP(HasJson(api().Get(UserPath(created.Json())), "/name", name));
}

// Several clients deleting one user: exactly one of them did it.
SPEC_TEST_F(InterviewerTest, ConcurrentDeletesOfOneUserGiveOne204, "DELETE-1 DELETE-3") {
  constexpr int kClients = 16;
  const Exchange created = CreateUser();
  ASSERT_HTTP(HasStatus(created, 201));
  const std::string path = UserPath(created.Json());
  const std::vector<Exchange> answers = AllAtOnce(kClients, [&](int) { return api().Delete(path); });
  const std::map<int, int> counts = CountStatuses(answers);
  EXPECT_HTTP(Holds(answers.front(), counts == std::map<int, int>{{204, 1}, {404, kClients - 1}},
                    "one 204 and 15 404s; got " + Describe(counts)));
  EXPECT_HTTP(HasStatus(api().Get(path), 404));
}

// A freed email can be taken again, also in another case.
SPEC_TEST_F(InterviewerTest, EmailOfADeletedUserCanBeTakenAgainInOtherCase, "EMAIL-12 EMAIL-11") {
  const Exchange created = CreateUser();
  ASSERT_HTTP(HasStatus(created, 201));
  ASSERT_HTTP(HasStatus(api().Delete(UserPath(created.Json())), 204));
  std::string shouted = created.Json()["email"];
  std::transform(shouted.begin(), shouted.end(), shouted.begin(), ::toupper);
  const Exchange again = CreateUser({{"email", shouted}});
  ASSERT_HTTP(HasStatus(again, 201));
  EXPECT_HTTP(HasJson(again, "/email", created.Json()["email"]));
}

// Updating a user to the email it has is no conflict, in any letter case,
// alone or beside another field, and it still counts as an update.
struct OwnEmail {
  const char* name;
  bool shouted;    // The email sent in capitals.
  json others;     // Sent beside the email.
  const char* rules;
};

class InterviewerOwnEmailTest : public AcceptanceTest,
                                public testing::WithParamInterface<OwnEmail> {};

SPEC_TEST_P(InterviewerOwnEmailTest, UpdateToItIsNoConflict, "UPDATE-7 UPDATE-6") {
  const OwnEmail& own = GetParam();
  const Exchange created = CreateUser({{"name", "Owner"}});
  ASSERT_HTTP(HasStatus(created, 201));
  const json before = created.Json();
  json change = own.others;
  change["email"] = own.shouted ? Upper(before["email"]) : before["email"].get<std::string>();
  std::this_thread::sleep_for(std::chrono::milliseconds(5));  // Past the millisecond.
  const Exchange updated = api().Put(UserPath(before), change);
  ASSERT_HTTP(HasStatus(updated, 200));
  EXPECT_HTTP(HasJson(updated, "/email", before["email"]));
  for (const auto& [field, value] : own.others.items()) {
    EXPECT_HTTP(HasJson(updated, "/" + field, value));
  }
  EXPECT_HTTP(Holds(updated, updated.Json()["updated_at"] > before["updated_at"],
                    "body.updated_at later than the creation time " +
                        before["updated_at"].dump()));
}

INSTANTIATE_TEST_SUITE_P(
    Cases, InterviewerOwnEmailTest,
    testing::Values(OwnEmail{"SameCase", false, json::object(), "UPDATE-7"},
                    OwnEmail{"Capitals", true, json::object(), "UPDATE-7"},
                    OwnEmail{"CapitalsWithName", true, {{"name", "Renamed"}}, "UPDATE-7"}),
    CaseName<OwnEmail>);

}  // namespace
}  // namespace acceptance
