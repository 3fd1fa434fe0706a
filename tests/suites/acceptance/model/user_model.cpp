#include "user_model.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>

#include "text.hpp"

namespace acceptance::model {
namespace {

using nlohmann::json;

constexpr std::uint64_t kDefaultLimit = 100;

// The query parameters GET /users reads, in the order errors lists them.
const std::vector<std::string> kListParams = {"limit", "offset", "q", "email", "min_age", "max_age"};

// A parameter written as ASCII digits from `low` to `high`, or nullopt.
std::optional<std::uint64_t> ParseInteger(const std::string& text, std::uint64_t low,
                                          std::uint64_t high) {
  if (text.empty() || text.size() > 40) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    if (value > high) return std::nullopt;  // Stays above high; avoids overflow.
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (value < low || value > high) return std::nullopt;
  return value;
}

bool ContainsIgnoringCase(const std::string& text, const std::string& part) {
  return Lower(text).find(Lower(part)) != std::string::npos;
}

}  // namespace

json ModelUser::Json() const {
  return {{"id", id},          {"name", name},   {"email", email}, {"age", age},
          {"created_at", created_at}, {"updated_at", updated_at}};
}

std::string SentBody::Text() const {
  switch (shape) {
    case BodyShape::kNotJson: return R"({"name":)";
    case BodyShape::kNotObject: return "[1,2]";
    default: break;
  }
  json object = json::object();
  if (name) object["name"] = name->value;
  if (email) object["email"] = email->value;
  if (age) object["age"] = age->value;
  for (const std::string& member : unknown) object[member] = member == "id" ? json(1) : json("x");
  return object.dump();
}

std::string SentBody::ContentType() const {
  return shape == BodyShape::kTextPlain ? "text/plain" : "application/json";
}

std::string PercentEncode(const std::string& text) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string PathOfId(std::int64_t id, bool trailing_slash, bool leading_zeros) {
  return "/users/" + std::string(leading_zeros ? "00" : "") + std::to_string(id) +
         (trailing_slash ? "/" : "");
}

std::vector<const ModelUser*> UserModel::Live() const {
  std::vector<const ModelUser*> live;
  for (const ModelUser& user : users_) {
    if (!user.deleted) live.push_back(&user);
  }
  return live;
}

ModelUser* UserModel::Find(std::int64_t id) {
  for (ModelUser& user : users_) {
    if (user.id == id) return &user;
  }
  return nullptr;
}

const ModelUser* UserModel::OwnerOf(const std::string& email, std::int64_t except) const {
  for (const ModelUser* user : Live()) {
    if (user->id != except && Lower(user->email) == Lower(email)) return user;
  }
  return nullptr;
}

Verdict UserModel::Judge(const SentBody& body, std::int64_t target) const {
  Verdict verdict;
  switch (body.shape) {
    case BodyShape::kTextPlain: verdict.status = 415; return verdict;
    case BodyShape::kNotJson: verdict.status = 400; return verdict;
    case BodyShape::kNotObject:
      verdict.status = 422;
      verdict.error_fields = {""};
      return verdict;
    case BodyShape::kObject: break;
  }
  const bool create = target == 0;
  auto judge = [&](const std::optional<SentField>& field, const char* member) {
    if (field ? !field->valid : create) verdict.error_fields.push_back(member);
  };
  judge(body.name, "name");
  judge(body.email, "email");
  if (body.age && !body.age->valid) verdict.error_fields.push_back("age");
  std::vector<std::string> unknown = body.unknown;
  std::sort(unknown.begin(), unknown.end());
  verdict.error_fields.insert(verdict.error_fields.end(), unknown.begin(), unknown.end());
  if (!verdict.error_fields.empty()) {
    verdict.status = 422;
    return verdict;
  }
  verdict.email_taken =
      stage_ >= 2 && body.email && OwnerOf(body.email->stored.get<std::string>(), target);
  return verdict;
}

ListAnswer UserModel::List(const std::vector<QueryParam>& params) const {
  ListAnswer answer;
  std::map<std::string, std::vector<std::string>> given;
  for (const QueryParam& param : params) given[param.name].push_back(param.value);
  // The valid value of each parameter given once; a bad one is an error.
  std::map<std::string, std::uint64_t> numbers;
  auto read = [&](const std::string& name, std::uint64_t low, std::uint64_t high) {
    if (!given.count(name) || given[name].size() > 1) return;
    if (auto value = ParseInteger(given[name][0], low, high)) {
      numbers[name] = *value;
    } else {
      answer.error_fields.push_back(name);
    }
  };
  read("limit", 1, 1000);
  read("offset", 0, 9223372036854775807ULL);
  read("min_age", 0, 150);
  read("max_age", 0, 150);
  for (const auto& [name, values] : given) {
    if (values.size() > 1) answer.error_fields.push_back(name);
  }
  if (numbers.count("min_age") && numbers.count("max_age") &&
      numbers["min_age"] > numbers["max_age"]) {
    answer.error_fields.push_back("min_age");
  }
  if (!answer.error_fields.empty()) {
    std::vector<std::string> ordered;
    for (const std::string& name : kListParams) {
      if (std::count(answer.error_fields.begin(), answer.error_fields.end(), name)) {
        ordered.push_back(name);
      }
    }
    answer.status = 422;
    answer.error_fields = ordered;
    return answer;
  }

  auto value_of = [&](const std::string& name) -> const std::string* {
    return given.count(name) ? &given[name][0] : nullptr;
  };
  std::vector<const ModelUser*> matching;
  for (const ModelUser* user : Live()) {
    if (const std::string* q = value_of("q");
        q && !ContainsIgnoringCase(user->name, *q) && !ContainsIgnoringCase(user->email, *q)) {
      continue;
    }
    if (const std::string* email = value_of("email"); email && Lower(*email) != Lower(user->email)) {
      continue;
    }
    const bool has_age = user->age.is_number_integer();
    const std::int64_t age = has_age ? user->age.get<std::int64_t>() : 0;
    if (numbers.count("min_age") && (!has_age || age < static_cast<std::int64_t>(numbers["min_age"]))) {
      continue;
    }
    if (numbers.count("max_age") && (!has_age || age > static_cast<std::int64_t>(numbers["max_age"]))) {
      continue;
    }
    matching.push_back(user);
  }
  const std::uint64_t limit = numbers.count("limit") ? numbers["limit"] : kDefaultLimit;
  const std::uint64_t offset = numbers.count("offset") ? numbers["offset"] : 0;
  answer.total = matching.size();
  for (std::uint64_t i = offset; i < matching.size() && i < offset + limit; ++i) {
    answer.page.push_back(matching[i]->Json());
  }

  std::string filters;
  if (const std::string* q = value_of("q")) filters += "&q=" + PercentEncode(*q);
  if (const std::string* email = value_of("email")) filters += "&email=" + PercentEncode(*email);
  for (const char* age : {"min_age", "max_age"}) {
    if (numbers.count(age)) filters += std::string("&") + age + "=" + std::to_string(numbers[age]);
  }
  auto link = [&](std::uint64_t to, const char* rel) {
    return "</users?limit=" + std::to_string(limit) + "&offset=" + std::to_string(to) + filters +
           ">; rel=\"" + rel + "\"";
  };
  std::vector<std::string> links;
  if (offset + limit < answer.total) links.push_back(link(offset + limit, "next"));
  if (offset > 0) links.push_back(link(offset > limit ? offset - limit : 0, "prev"));
  for (const std::string& one : links) answer.link += (answer.link.empty() ? "" : ", ") + one;
  return answer;
}

}  // namespace acceptance::model
