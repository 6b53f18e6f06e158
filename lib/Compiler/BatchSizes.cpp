//===- BatchSizes.cpp - the sizes of --batch-sizes ------------------------===//

#include "autoglm/Compiler/Compile.h"

#include "llvm/ADT/StringExtras.h"

using namespace mlir;
using namespace mlir::autoglm;

/// The largest batch size accepted: far beyond any use, small enough that
/// no shape computation overflows.
static constexpr int64_t kMaxBatchSize = int64_t(1) << 20;

FailureOr<SmallVector<int64_t>>
mlir::autoglm::parseBatchSizes(StringRef spec, std::string &error) {
  auto fail = [&](const Twine &why) {
    error = ("--batch-sizes='" + spec + "': " + why).str();
    return failure();
  };
  auto parseSize = [&](StringRef text, int64_t &size) -> LogicalResult {
    text = text.trim();
    if (text.empty() || text.getAsInteger(10, size))
      return fail("'" + text +
                  "' is not a number (expected a list such as 1,2,4,8 or a "
                  "range such as 1-16)");
    if (size < 1 || size > kMaxBatchSize)
      return fail("a batch size is from 1 to " + Twine(kMaxBatchSize) +
                  ", not " + Twine(size));
    return success();
  };
  SmallVector<int64_t> sizes;
  if (spec.contains('-') && !spec.contains(',')) {
    auto [low, high] = spec.split('-');
    int64_t first, last;
    if (failed(parseSize(low, first)) || failed(parseSize(high, last)))
      return failure();
    if (first > last)
      return fail("the range's first size is larger than its last");
    // Powers of two, the range's ends included.
    sizes.push_back(first);
    for (int64_t power = 1; power < last; power *= 2)
      if (power > first)
        sizes.push_back(power);
    if (last != first)
      sizes.push_back(last);
    return sizes;
  }
  SmallVector<StringRef> parts;
  spec.split(parts, ',');
  for (StringRef part : parts) {
    int64_t size;
    if (failed(parseSize(part, size)))
      return failure();
    if (llvm::is_contained(sizes, size))
      return fail("batch size " + Twine(size) + " is given twice");
    sizes.push_back(size);
  }
  llvm::sort(sizes);
  return sizes;
}

/// The longest sequence length accepted, as for batch sizes.
static constexpr int64_t kMaxSeqLength = int64_t(1) << 20;

LogicalResult mlir::autoglm::parseSeqLengthSets(StringRef spec,
                                                SeqLengthSets &sets,
                                                std::string &error) {
  sets = SeqLengthSets();
  auto fail = [&](const Twine &why) {
    error = ("--input-shape='" + spec + "': " + why).str();
    return failure();
  };
  // NAME:DIMS, split at the last ':' before any set (names may hold ':').
  size_t colon = spec.take_front(spec.find('{')).rfind(':');
  if (colon == StringRef::npos) {
    sets.symbolicSpec = spec.str();
    return success();
  }
  sets.symbolicSpec = spec.take_front(colon + 1).str();
  sets.input = spec.take_front(colon).str();
  StringRef dims = spec.drop_front(colon + 1);
  unsigned dim = 0;
  while (!dims.empty()) {
    StringRef part;
    if (dims.starts_with("{")) {
      size_t close = dims.find('}');
      if (close == StringRef::npos)
        return fail("a set of lengths has no closing '}'");
      part = dims.take_front(close + 1);
      SmallVector<StringRef> items;
      part.drop_front().drop_back().split(items, ',');
      SmallVector<int64_t> lengths;
      for (StringRef item : items) {
        int64_t length;
        if (item.trim().getAsInteger(10, length) || length < 1 ||
            length > kMaxSeqLength)
          return fail("'" + item + "' in " + part +
                      " is not a length from 1 to " + Twine(kMaxSeqLength));
        if (llvm::is_contained(lengths, length))
          return fail("length " + Twine(length) + " is given twice in " + part);
        lengths.push_back(length);
      }
      llvm::sort(lengths);
      // The compiler finds the outputs' sequence dimensions as those that
      // differ between two lengths.
      if (lengths.size() < 2)
        return fail(part + " gives one length; a set needs two or more (one "
                           "length is a fixed dimension: write the number)");
      if (!sets.lengths.empty() && sets.lengths != lengths)
        return fail("the sets of lengths differ; every dimension that is "
                    "the sequence length takes the same set");
      sets.lengths = std::move(lengths);
      sets.dims.push_back(dim);
      sets.symbolicSpec += "?";
    } else {
      part = dims.take_front(dims.find('x'));
      sets.symbolicSpec += part.str();
    }
    dims = dims.drop_front(part.size());
    if (!dims.empty()) {
      if (!dims.consume_front("x"))
        return fail("expected 'x' after " + part);
      sets.symbolicSpec += "x";
    }
    ++dim;
  }
  return success();
}
