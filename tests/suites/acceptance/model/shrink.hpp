// Delta debugging over a list (Zeller's ddmin, by complements): a short
// sublist that still fails.
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

namespace acceptance::model {

// Removes ever smaller chunks of `items` while `fails(rest)` stays true,
// calling it at most `budget` times (decremented); returns the shortest
// failing sublist found, in the original order. `fails(items)` itself is
// taken to be true. `fails` may also give up early by returning false.
template <typename T, typename Fails>
std::vector<T> Shrink(std::vector<T> items, Fails fails, int& budget) {
  std::size_t chunks = 2;
  while (items.size() >= 2 && budget > 0) {
    const std::size_t size = (items.size() + chunks - 1) / chunks;
    bool reduced = false;
    for (std::size_t start = 0; start < items.size() && budget > 0; start += size) {
      std::vector<T> rest(items.begin(), items.begin() + start);
      rest.insert(rest.end(), items.begin() + std::min(start + size, items.size()), items.end());
      --budget;
      if (fails(rest)) {
        items = std::move(rest);
        chunks = std::max<std::size_t>(chunks - 1, 2);
        reduced = true;
        break;
      }
    }
    if (!reduced) {
      if (size == 1) break;
      chunks = std::min(items.size(), chunks * 2);
    }
  }
  return items;
}

}  // namespace acceptance::model
