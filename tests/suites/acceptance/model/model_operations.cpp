#include "model_operations.hpp"

#include <random>

namespace acceptance::model {
namespace {

using nlohmann::json;

// `count` copies of `unit`.
std::string Times(std::size_t count, const std::string& unit) {
  std::string out;
  while (count-- > 0) out += unit;
  return out;
}

// Draws from one seed; the same seed gives the same draws on any build.
class Draw {
 public:
  explicit Draw(std::uint64_t seed) : engine_(seed) {}
  std::uint32_t Bits() { return static_cast<std::uint32_t>(engine_() >> 32); }
  std::size_t Below(std::size_t bound) { return static_cast<std::size_t>(engine_() % bound); }
  bool Percent(std::size_t chance) { return Below(100) < chance; }

  // The index of a variant allowed at `stage` whose validity is `valid`;
  // nullopt when the table has none.
  std::optional<std::size_t> Variant(const std::vector<model::Variant>& table, int stage, bool valid) {
    std::vector<std::size_t> allowed;
    for (std::size_t i = 0; i < table.size(); ++i) {
      if (table[i].min_stage <= stage && table[i].valid == valid) allowed.push_back(i);
    }
    if (allowed.empty()) return std::nullopt;
    return allowed[Below(allowed.size())];
  }

 private:
  std::mt19937_64 engine_;
};

FieldChoice DrawField(Draw& draw, const std::vector<Variant>& table, int stage, int invalid_percent) {
  FieldChoice choice;
  choice.present = true;
  const bool valid = !draw.Percent(invalid_percent);
  choice.variant = draw.Variant(table, stage, valid).value_or(*draw.Variant(table, stage, true));
  return choice;
}

EmailChoice DrawEmail(Draw& draw, int stage, bool create) {
  EmailChoice choice;
  choice.present = true;
  const std::size_t roll = draw.Below(100);
  if (roll < 3) {
    choice.kind = EmailKind::kNotString;
    choice.variant = draw.Below(NonStringEmails().size());
  } else if (roll < 14) {
    choice.kind = EmailKind::kOfDeletedUser;
  } else if (stage >= 2 && roll < 22) {
    choice.kind = EmailKind::kTakenOtherCase;
  } else if (stage >= 2 && roll < 37) {
    choice.kind = create ? EmailKind::kTakenOtherCase : EmailKind::kOwnOtherCase;
  } else if (stage >= 2 && roll < 44) {
    choice.kind = EmailKind::kMalformed;
    choice.variant = draw.Below(MalformedEmails().size());
  } else if (stage >= 2 && roll < 50) {
    choice.kind = EmailKind::kFreshMixedCase;
  } else if (stage >= 2 && roll < 54) {
    choice.kind = EmailKind::kFreshPadded;
  } else {
    choice.kind = EmailKind::kFresh;
    // 0: plain; 1: a local part of 64 characters; 2: 254 characters.
    choice.variant = draw.Percent(80) ? 0 : 1 + draw.Below(2);
  }
  return choice;
}

void DrawBody(Draw& draw, int stage, bool create, Operation& op) {
  const std::size_t shape = draw.Below(100);
  if (shape < 4) {
    op.shape = BodyShape::kNotJson;
  } else if (shape < 8) {
    op.shape = BodyShape::kNotObject;
  } else if (stage >= 2 && shape < 11) {
    op.shape = BodyShape::kTextPlain;
  }
  const std::size_t present = create ? 95 : 40;
  if (draw.Percent(present)) op.name = DrawField(draw, NameVariants(), stage, 12);
  if (draw.Percent(present)) op.email = DrawEmail(draw, stage, create);
  if (draw.Percent(create ? 60 : 40)) op.age = DrawField(draw, AgeVariants(), stage, 12);
  if (stage >= 2 && draw.Percent(8)) {
    static const std::vector<std::string> kUnknown = {"id", "role", "created_at", "Name", "zeta"};
    op.unknown.push_back(kUnknown[draw.Below(kUnknown.size())]);
    const std::string second = kUnknown[draw.Below(kUnknown.size())];
    if (draw.Percent(40) && second != op.unknown[0]) op.unknown.push_back(second);
  }
}

void DrawTarget(Draw& draw, int stage, Operation& op) {
  const std::size_t roll = draw.Below(100);
  if (roll < 10) {
    op.target = Target::kDeleted;
  } else if (roll < 22) {
    op.target = Target::kLastTouched;
  } else if (roll < 28) {
    op.target = Target::kMissing;
  } else if (stage >= 2 && roll < 38) {
    op.target = Target::kMalformed;
  } else {
    op.target = Target::kLive;
  }
  op.trailing_slash = draw.Percent(10);
  op.leading_zeros = stage >= 2 && draw.Percent(10);
  if (stage >= 3 && draw.Percent(30)) op.condition = static_cast<Condition>(1 + draw.Below(5));
}

ListChoice DrawList(Draw& draw) {
  ListChoice list;
  const std::size_t scope = draw.Below(100);
  list.scope = scope < 55   ? ListChoice::Scope::kTag
               : scope < 75 ? ListChoice::Scope::kEmailOfUser
               : scope < 90 ? ListChoice::Scope::kQIsEmailOfUser
                            : ListChoice::Scope::kEmailNobodyHas;
  if (draw.Percent(50)) list.limit = draw.Percent(10) ? 1000 : 1 + draw.Below(6);
  if (draw.Percent(50)) list.offset = draw.Below(7);
  list.leading_zeros = draw.Percent(10);
  static const int kAges[] = {0, 18, 36, 100, 150};
  if (draw.Percent(25)) list.min_age = kAges[draw.Below(5)];
  if (draw.Percent(25)) list.max_age = kAges[draw.Below(5)];
  if (list.min_age && list.max_age && *list.min_age > *list.max_age) {
    std::swap(*list.min_age, *list.max_age);
  }
  if (draw.Percent(15)) list.bad = draw.Below(BadQueries().size());
  return list;
}

}  // namespace

const std::vector<Variant>& NameVariants() {
  static const std::vector<Variant> kNames = {
      {"a plain name", "Ada Lovelace", true, "Ada Lovelace", 1},
      {"a Unicode name", "Zoë Ørsted 李", true, "Zoë Ørsted 李", 1},
      {"a name with quotes and a backslash", R"(Anne "Nan" O'Brien \ Jr)", true,
       R"(Anne "Nan" O'Brien \ Jr)", 1},
      {"a name of 100 characters", Times(100, "n"), true, Times(100, "n"), 1},
      {"a name of 100 two-byte characters", Times(100, "é"), true, Times(100, "é"), 1},
      {"a name of 1 character", "A", true, "A", 1},
      {"a name with surrounding whitespace", " \t Alan Turing \n", true, "Alan Turing", 2},
      {"an empty name", "", false, nullptr, 2},
      {"a name of only whitespace", " \t ", false, nullptr, 2},
      {"a name with a tab inside", "Ada\tKing", false, nullptr, 2},
      {"a name of 101 characters", Times(101, "n"), false, nullptr, 2},
      {"a name of 101 two-byte characters", Times(101, "é"), false, nullptr, 2},
      {"a number as name", 42, false, nullptr, 1},
      {"a null name", nullptr, false, nullptr, 1},
  };
  return kNames;
}

const std::vector<Variant>& AgeVariants() {
  static const std::vector<Variant> kAges = {
      {"age 36", 36, true, 36, 1},
      {"age 0", 0, true, 0, 1},
      {"age 150", 150, true, 150, 1},
      {"age null", nullptr, true, nullptr, 1},
      {"age as a string", "30", false, nullptr, 1},
      {"age true", true, false, nullptr, 1},
      {"age 30.5", 30.5, false, nullptr, 1},
      {"age -1", -1, false, nullptr, 2},
      {"age 151", 151, false, nullptr, 2},
  };
  return kAges;
}

const std::vector<Variant>& NonStringEmails() {
  static const std::vector<Variant> kEmails = {
      {"a number as email", 42, false, nullptr, 1},
      {"a null email", nullptr, false, nullptr, 1},
  };
  return kEmails;
}

const std::vector<EmailTemplate>& MalformedEmails() {
  static const std::vector<EmailTemplate> kEmails = {
      {"an email without @", "$L.example.test"},
      {"an email with two @", "$L@x@example.test"},
      {"an email whose domain has no dot", "$L@localhost"},
      {"an email with an empty domain label", "$L@example..test"},
      {"an email whose domain label starts with -", "$L@-x.test"},
      {"an email ending in a dot", "$L@example.test."},
      {"an email with a space in the local part", "$L x@example.test"},
      {"an email with a local part of 65 characters", "$L65@example.test"},
  };
  return kEmails;
}

const std::vector<BadQuery>& BadQueries() {
  static const std::vector<BadQuery> kQueries = {
      {"limit 0", {{"limit", "0"}}},
      {"limit 1001", {{"limit", "1001"}}},
      {"limit not a number", {{"limit", "ten"}}},
      {"limit with a plus sign", {{"limit", "+5"}}},
      {"offset -1", {{"offset", "-1"}}},
      {"an empty offset", {{"offset", ""}}},
      {"offset 2^63", {{"offset", "9223372036854775808"}}},
      {"min_age 151", {{"min_age", "151"}}},
      {"max_age with a fraction", {{"max_age", "20.5"}}},
      {"limit given twice", {{"limit", "5"}, {"limit", "5"}}},
      {"min_age above max_age", {{"min_age", "60"}, {"max_age", "20"}}},
      {"limit 0 and offset -1", {{"offset", "-1"}, {"limit", "0"}}},
  };
  return kQueries;
}

std::vector<Operation> GenerateOperations(std::uint64_t seed, int stage, std::size_t count) {
  Draw draw(seed);
  std::vector<Operation> ops;
  for (std::size_t i = 0; i < count; ++i) {
    Operation op;
    op.pick = draw.Bits();
    const std::size_t roll = i < 3 ? 0 : draw.Below(100);
    if (roll < 32) {
      op.kind = OpKind::kCreate;
      op.trailing_slash = draw.Percent(10);
      DrawBody(draw, stage, /*create=*/true, op);
    } else if (roll < 47) {
      op.kind = OpKind::kGet;
      DrawTarget(draw, stage, op);
    } else if (roll < 75) {
      op.kind = OpKind::kUpdate;
      DrawTarget(draw, stage, op);
      DrawBody(draw, stage, /*create=*/false, op);
      op.patch = stage >= 3 && draw.Percent(50);
    } else if (roll < 88) {
      op.kind = OpKind::kDelete;
      DrawTarget(draw, stage, op);
    } else {
      op.kind = OpKind::kList;
      op.trailing_slash = draw.Percent(10);
      if (stage >= 3) op.list = DrawList(draw);
    }
    ops.push_back(op);
  }
  return ops;
}

}  // namespace acceptance::model
