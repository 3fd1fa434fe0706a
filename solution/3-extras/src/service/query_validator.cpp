#include "service/query_validator.hpp"

#include <charconv>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "domain/api_error.hpp"
#include "domain/user_limits.hpp"

namespace user_api {
namespace {

// Collects the failing parameters of one query, in the contract's order.
class QueryReader {
 public:
  // The parameter's value when it has one and no problem.
  std::optional<std::string> Text(const char* name, const QueryParameter& parameter) {
    if (!parameter.problem.empty()) return Fail(name, parameter.problem);
    return parameter.value;
  }

  // A plain decimal integer from `min` to `max`, or nullopt (and a failure
  // when it was given).
  std::optional<std::uint64_t> Integer(const char* name, const QueryParameter& parameter,
                                       std::uint64_t min, std::uint64_t max) {
    const std::optional<std::string> value = Text(name, parameter);
    if (!value) return std::nullopt;
    std::uint64_t number = 0;
    const char* end = value->data() + value->size();
    auto [ptr, ec] = std::from_chars(value->data(), end, number);
    const bool digits_only =
        !value->empty() && value->find_first_not_of("0123456789") == std::string::npos;
    if (!digits_only || ec != std::errc() || ptr != end || number < min || number > max) {
      return Fail(name, "must be an integer from " + std::to_string(min) + " to " +
                            std::to_string(max));
    }
    return number;
  }

  std::nullopt_t Fail(const char* name, std::string message) {
    errors_.push_back({name, std::move(message)});
    return std::nullopt;
  }

  void ThrowIfInvalid() const {
    if (!errors_.empty()) {
      throw ApiError(ErrorCode::kValidationFailed, "the query has invalid parameters", errors_);
    }
  }

 private:
  std::vector<FieldError> errors_;
};

}  // namespace

UserQuery ValidateUserQuery(const UserQueryParameters& parameters) {
  QueryReader reader;
  UserQuery query;
  query.limit = reader.Integer("limit", parameters.limit, 1, kMaxPageSize).value_or(kDefaultPageSize);
  query.offset = reader.Integer("offset", parameters.offset, 0, kMaxOffset).value_or(0);
  query.q = reader.Text("q", parameters.q);
  query.email = reader.Text("email", parameters.email);
  const auto min_age = reader.Integer("min_age", parameters.min_age, kMinAge, kMaxAge);
  const auto max_age = reader.Integer("max_age", parameters.max_age, kMinAge, kMaxAge);
  if (min_age) query.min_age = static_cast<int>(*min_age);
  if (max_age) query.max_age = static_cast<int>(*max_age);
  if (min_age && max_age && *min_age > *max_age) {
    reader.Fail("min_age", "must not be greater than max_age");
  }
  reader.ThrowIfInvalid();
  return query;
}

}  // namespace user_api
