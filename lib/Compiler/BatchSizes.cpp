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
