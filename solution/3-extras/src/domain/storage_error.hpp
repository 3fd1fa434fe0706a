// The failure of the storage underneath a store: a database that cannot be
// read or written. Thrown by stores; answered as 503 by the HTTP layer.
#pragma once

#include <stdexcept>

namespace user_api {

// what() describes the cause for the log; it is never sent to a client.
class StorageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace user_api
