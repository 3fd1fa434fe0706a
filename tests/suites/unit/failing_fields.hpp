// The fields a validation error names, for the unit tests of the rules.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

// The stage's own: each unit test program builds against one stage.
#include "domain/api_error.hpp"

namespace user_api {

// The fields that `action`'s validation error names, in order; empty when
// it throws nothing. Any other kind of ApiError fails the calling test.
template <typename Action>
std::vector<std::string> FailingFieldsOf(Action&& action) {
  try {
    std::forward<Action>(action)();
    return {};
  } catch (const ApiError& error) {
    EXPECT_EQ(error.code(), ErrorCode::kValidationFailed) << error.detail();
    std::vector<std::string> fields;
    for (const FieldError& field_error : error.field_errors()) fields.push_back(field_error.field);
    return fields;
  }
}

}  // namespace user_api
