//===- Reductions.cpp - constant evaluation of reductions and matmul ------===//
//
// reduce (every ReduceKind), arg_reduce and matmul (batched, with
// broadcasting of the batch dimensions). Float sums accumulate in double;
// matmul stops at EvalLimits::maxMacs multiply-adds.
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"

#include <cmath>

namespace mlir::autoglm::evaluator {
namespace {
/// For every input element, the offset of the output element it reduces
/// into (the reduced dimensions dropped).
std::vector<int64_t> reductionOffsets(ArrayRef<int64_t> inShape,
                                      ArrayRef<int64_t> axes) {
  SmallVector<int64_t> kept(inShape);
  for (int64_t axis : axes)
    kept[axis] = 1;
  SmallVector<int64_t> keptStrides = stridesOf(kept);
  std::vector<int64_t> offsets;
  offsets.reserve(ShapedType::getNumElements(inShape));
  forEachIndex(inShape, [&](ArrayRef<int64_t> index) {
    int64_t offset = 0;
    for (size_t d = 0; d < index.size(); ++d)
      if (kept[d] != 1 || inShape[d] == 1)
        offset += index[d] * keptStrides[d];
    offsets.push_back(offset);
  });
  return offsets;
}
} // namespace

EvalStatus evalReduce(const ConstTensor &in, ReduceOp op, RankedTensorType type,
                      ConstTensor &out) {
  if (in.size() == 0 || type.getNumElements() == 0)
    return EvalStatus::Unsupported;
  std::vector<int64_t> offsets =
      reductionOffsets(in.type.getShape(), op.getAxes());
  int64_t count = in.size() / type.getNumElements();
  ReduceKind kind = op.getKind();
  out = ConstTensor::zeros(type);
  std::vector<bool> seen(type.getNumElements(), false);
  if (in.isFloat()) {
    for (size_t i = 0; i < offsets.size(); ++i) {
      double x = in.floats[i], &acc = out.floats[offsets[i]];
      bool first = !seen[offsets[i]];
      seen[offsets[i]] = true;
      switch (kind) {
      case ReduceKind::sum:
      case ReduceKind::mean:
      case ReduceKind::log_sum:
        acc += x;
        break;
      case ReduceKind::l1:
        acc += std::fabs(x);
        break;
      case ReduceKind::l2:
      case ReduceKind::sum_square:
        acc += x * x;
        break;
      case ReduceKind::log_sum_exp:
        acc += std::exp(x);
        break;
      case ReduceKind::prod:
        acc = first ? x : acc * x;
        break;
      case ReduceKind::max:
        acc = first || std::isnan(x) || x > acc ? x : acc;
        break;
      case ReduceKind::min:
        acc = first || std::isnan(x) || x < acc ? x : acc;
        break;
      }
    }
    for (double &acc : out.floats) {
      switch (kind) {
      case ReduceKind::mean:
        acc /= count;
        break;
      case ReduceKind::l2:
        acc = std::sqrt(acc);
        break;
      case ReduceKind::log_sum:
      case ReduceKind::log_sum_exp:
        acc = std::log(acc);
        break;
      default:
        break;
      }
    }
    return EvalStatus::Done;
  }
  Type element = in.type.getElementType();
  bool isUnsigned = isUnsignedInt(element);
  for (size_t i = 0; i < offsets.size(); ++i) {
    int64_t x = in.ints[i], &acc = out.ints[offsets[i]];
    bool first = !seen[offsets[i]];
    seen[offsets[i]] = true;
    auto less = [&](int64_t a, int64_t b) {
      return isUnsigned ? uint64_t(a) < uint64_t(b) : a < b;
    };
    switch (kind) {
    case ReduceKind::sum:
      acc = wrapInt(uint64_t(acc) + uint64_t(x), element);
      break;
    case ReduceKind::sum_square:
      acc = wrapInt(uint64_t(acc) + uint64_t(x) * uint64_t(x), element);
      break;
    case ReduceKind::l1:
      acc = wrapInt(uint64_t(acc) +
                        (isUnsigned || x >= 0 ? uint64_t(x) : -uint64_t(x)),
                    element);
      break;
    case ReduceKind::prod:
      acc = first ? x : wrapInt(uint64_t(acc) * uint64_t(x), element);
      break;
    case ReduceKind::max:
      acc = first || less(acc, x) ? x : acc;
      break;
    case ReduceKind::min:
      acc = first || less(x, acc) ? x : acc;
      break;
    default:
      return EvalStatus::Unsupported;
    }
  }
  return EvalStatus::Done;
}

EvalStatus evalArgReduce(const ConstTensor &in, ArgReduceOp op,
                         RankedTensorType type, ConstTensor &out) {
  int64_t axis = op.getAxis(), dim = in.type.getDimSize(axis);
  if (dim == 0)
    return EvalStatus::Undefined;
  int64_t outer =
      ShapedType::getNumElements(in.type.getShape().take_front(axis));
  int64_t inner =
      ShapedType::getNumElements(in.type.getShape().drop_front(axis + 1));
  bool isMax = op.getKind() == ArgReduceKind::argmax,
       last = op.getSelectLastIndex();
  out = ConstTensor::zeros(type);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t k = 0; k < inner; ++k) {
      int64_t best = 0;
      for (int64_t j = 1; j < dim; ++j) {
        double x = in.asDouble((o * dim + j) * inner + k),
               b = in.asDouble((o * dim + best) * inner + k);
        bool better = isMax ? x > b : x < b;
        if (better || (last && x == b))
          best = j;
      }
      out.ints[o * inner + k] = best;
    }
  return EvalStatus::Done;
}

EvalStatus evalMatMul(const ConstTensor &lhs, const ConstTensor &rhs,
                      RankedTensorType type, const EvalLimits &limits,
                      ConstTensor &out) {
  ArrayRef<int64_t> a = lhs.type.getShape(), b = rhs.type.getShape(),
                    c = type.getShape();
  int64_t m = a[a.size() - 2], k = a.back(), n = b.back();
  ArrayRef<int64_t> batch = c.drop_back(2);
  int64_t batches = ShapedType::getNumElements(batch);
  if (batches * m * n * k > limits.maxMacs)
    return EvalStatus::TooLarge;
  std::vector<int64_t> lhsBatch = broadcastOffsets(a.drop_back(2), batch);
  std::vector<int64_t> rhsBatch = broadcastOffsets(b.drop_back(2), batch);
  out = ConstTensor::zeros(type);
  Type element = type.getElementType();
  for (int64_t p = 0; p < batches; ++p) {
    int64_t lhsBase = lhsBatch[p] * m * k, rhsBase = rhsBatch[p] * k * n;
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        int64_t at = (p * m + i) * n + j;
        if (out.isFloat()) {
          double sum = 0;
          for (int64_t l = 0; l < k; ++l)
            sum += lhs.floats[lhsBase + i * k + l] *
                   rhs.floats[rhsBase + l * n + j];
          out.floats[at] = sum;
        } else {
          uint64_t sum = 0;
          for (int64_t l = 0; l < k; ++l)
            sum += uint64_t(lhs.ints[lhsBase + i * k + l]) *
                   uint64_t(rhs.ints[rhsBase + l * n + j]);
          out.ints[at] = wrapInt(sum, element);
        }
      }
  }
  return EvalStatus::Done;
}
} // namespace mlir::autoglm::evaluator
