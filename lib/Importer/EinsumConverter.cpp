//===- EinsumConverter.cpp - Einsum as broadcast products and a sum -------===//
//
// Einsum lines every operand up in one order of subscripts (the output's
// first, then the summed ones), multiplies them with numpy broadcasting and
// sums over the subscripts the output lacks. Ellipses broadcast across
// operands, right-aligned. The product is materialized over all subscripts
// at once, which suits the small contractions exporters leave as Einsum;
// a pairwise rewrite into batched matmuls would bound it for large ones.
// A subscript repeated within one operand takes that operand's diagonal
// first: the two dimensions moved last and flattened, every (size + 1)-th
// element sliced out.
//
//===----------------------------------------------------------------------===//

#include "NodeContext.h"
#include "OpRegistry.h"

#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/StringExtras.h"

#include "onnx/onnx_pb.h"

using namespace mlir;
using namespace mlir::autoglm;

namespace autoglm::importer {
namespace {
/// Ellipsis dimensions get labels from here up (letters are below 128).
constexpr int kEllipsisLabel = 256;

/// Parses one term ("ab...c") for an operand of `rank` (-1: the output, whose
/// ellipsis covers `ellipsisRank` dimensions). Failure on a malformed term.
FailureOr<SmallVector<int>> parseTerm(StringRef term, int64_t rank,
                                      int64_t ellipsisRank) {
  SmallVector<int> labels;
  size_t dots = term.find("...");
  StringRef before = term.take_front(dots), after;
  if (dots != StringRef::npos)
    after = term.drop_front(dots + 3);
  auto letters = [&](StringRef part) -> LogicalResult {
    for (char c : part) {
      if (!llvm::isAlpha(c))
        return failure();
      labels.push_back(c);
    }
    return success();
  };
  if (failed(letters(before)))
    return failure();
  if (dots != StringRef::npos) {
    int64_t count =
        rank < 0 ? ellipsisRank
                 : rank - static_cast<int64_t>(before.size() + after.size());
    if (count < 0)
      return failure();
    // Right-aligned: this operand's ellipsis is the last `count` of them.
    for (int64_t i = ellipsisRank - count; i < ellipsisRank; ++i)
      labels.push_back(kEllipsisLabel + static_cast<int>(i));
    if (failed(letters(after)))
      return failure();
  }
  if (rank >= 0 && static_cast<int64_t>(labels.size()) != rank)
    return failure();
  return labels;
}

/// `operand` with each subscript that repeats in `labels` reduced to its
/// diagonal; `labels` loses the repeats (the diagonal's label goes last).
Value takeDiagonals(NodeContext &n, Value operand, SmallVector<int> &labels) {
  while (operand) {
    int64_t first = -1, second = -1;
    for (int64_t j = 0; j < static_cast<int64_t>(labels.size()) && first < 0;
         ++j)
      for (int64_t i = 0; i < j; ++i)
        if (labels[i] == labels[j]) {
          first = i;
          second = j;
          break;
        }
    if (first < 0)
      return operand;
    auto type = cast<RankedTensorType>(operand.getType());
    int64_t size = type.getDimSize(first);
    if (ShapedType::isDynamic(size) || size != type.getDimSize(second)) {
      (
          void)(n.emitError()
                << "the subscript '" << static_cast<char>(labels[first])
                << "' repeats within one operand over dimensions of different "
                   "or unknown sizes");
      return nullptr;
    }
    SmallVector<int64_t> permutation, flatShape;
    SmallVector<int> rest;
    for (int64_t d = 0; d < type.getRank(); ++d)
      if (d != first && d != second) {
        permutation.push_back(d);
        flatShape.push_back(type.getDimSize(d));
        rest.push_back(labels[d]);
      }
    permutation.append({first, second});
    flatShape.push_back(size * size);
    rest.push_back(labels[first]);
    Value flat = n.transpose(operand, permutation);
    flat = flat ? n.reshape(flat, flatShape) : Value();
    SmallVector<int64_t> starts(flatShape.size(), 0), ends(flatShape),
        steps(flatShape.size(), 1);
    steps.back() = size + 1;
    operand = flat ? n.create<SliceOp>(flat, n.b.getDenseI64ArrayAttr(starts),
                                       n.b.getDenseI64ArrayAttr(ends),
                                       n.b.getDenseI64ArrayAttr(steps))
                   : Value();
    labels = std::move(rest);
  }
  return operand;
}

LogicalResult convertEinsum(NodeContext &n) {
  if (failed(n.checkArity(1, UINT_MAX)))
    return failure();
  std::string equation = n.stringAttr("equation", "");
  llvm::erase_if(equation, [](char c) { return c == ' '; });
  StringRef text(equation);
  auto [inputs, output] = text.split("->");
  bool explicitOutput = text.contains("->");
  SmallVector<StringRef> terms;
  inputs.split(terms, ',');
  if (terms.size() != n.numInputs())
    return n.emitError() << "the equation '" << equation << "' has "
                         << terms.size() << " operand terms for "
                         << n.numInputs() << " inputs";

  // The ellipsis spans the most dimensions any operand gives it.
  int64_t ellipsisRank = 0;
  for (auto [i, term] : llvm::enumerate(terms)) {
    int64_t letters =
        llvm::count_if(term, [](char c) { return llvm::isAlpha(c); });
    if (term.contains("..."))
      ellipsisRank = std::max(ellipsisRank, n.inputType(i).getRank() - letters);
  }
  SmallVector<SmallVector<int>> operandLabels;
  SmallVector<Value> operands;
  llvm::MapVector<int, int64_t> sizes; // label -> size, in order of appearance
  for (auto [i, term] : llvm::enumerate(terms)) {
    FailureOr<SmallVector<int>> labels =
        parseTerm(term, n.inputType(i).getRank(), ellipsisRank);
    if (failed(labels))
      return n.emitError() << "the term '" << term << "' of '" << equation
                           << "' does not match input " << i << " of rank "
                           << n.inputType(i).getRank();
    Value operand = takeDiagonals(n, n.input(i), *labels);
    if (!operand)
      return failure();
    auto type = cast<RankedTensorType>(operand.getType());
    for (auto [d, label] : llvm::enumerate(*labels)) {
      int64_t size = type.getDimSize(d);
      if (ShapedType::isDynamic(size))
        return n.notKnown("the input shapes");
      int64_t &known = sizes.insert({label, 1}).first->second;
      if (known != 1 && size != 1 && known != size)
        return n.emitError() << "the subscript '" << static_cast<char>(label)
                             << "' has sizes " << known << " and " << size;
      known = std::max(known, size);
    }
    operandLabels.push_back(std::move(*labels));
    operands.push_back(operand);
  }

  SmallVector<int> outputLabels;
  if (explicitOutput) {
    FailureOr<SmallVector<int>> labels = parseTerm(output, -1, ellipsisRank);
    if (failed(labels))
      return n.emitError() << "malformed output term '" << output << "'";
    for (int label : *labels)
      if (!sizes.count(label))
        return n.emitError()
               << "the output subscript '" << static_cast<char>(label)
               << "' appears in no input";
    outputLabels = *labels;
  } else {
    // Implicit output: the ellipsis, then the letters used once, sorted.
    for (int64_t i = 0; i < ellipsisRank; ++i)
      outputLabels.push_back(kEllipsisLabel + static_cast<int>(i));
    llvm::SmallDenseMap<int, int> uses;
    for (const SmallVector<int> &labels : operandLabels)
      for (int label : labels)
        ++uses[label];
    SmallVector<int> once;
    for (auto [label, count] : uses)
      if (count == 1 && label < kEllipsisLabel)
        once.push_back(label);
    llvm::sort(once);
    llvm::append_range(outputLabels, once);
  }

  // Every operand in the order output labels, then summed ones.
  SmallVector<int> order = outputLabels;
  for (auto &[label, size] : sizes)
    if (!llvm::is_contained(order, label))
      order.push_back(label);
  Value product;
  for (auto [i, labels] : llvm::enumerate(operandLabels)) {
    SmallVector<int64_t> permutation, shape;
    auto type = cast<RankedTensorType>(operands[i].getType());
    for (int label : order) {
      auto it = llvm::find(labels, label);
      if (it != labels.end()) {
        permutation.push_back(it - labels.begin());
        shape.push_back(type.getDimSize(it - labels.begin()));
      } else {
        shape.push_back(1);
      }
    }
    Value operand = n.transpose(operands[i], permutation);
    operand = operand ? n.reshape(operand, shape) : Value();
    if (operand && product)
      operand = n.create<MulOp>(product, operand);
    if (!operand)
      return failure();
    product = operand;
  }
  if (order.size() == outputLabels.size())
    return n.finish(product);
  SmallVector<int64_t> summed =
      llvm::to_vector(llvm::seq<int64_t>(outputLabels.size(), order.size()));
  return n.finish(
      n.create<ReduceOp>(ReduceKindAttr::get(n.ctx, ReduceKind::sum), product,
                         n.b.getDenseI64ArrayAttr(summed), UnitAttr()));
}
} // namespace

void registerEinsumConverter(OpRegistry &r) { r.add("Einsum", convertEinsum); }
} // namespace autoglm::importer
