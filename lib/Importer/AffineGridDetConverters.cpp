//===- AffineGridDetConverters.cpp - ONNX AffineGrid and Det --------------===//
//
// Two small geometric operators that become a product or arithmetic on
// slices: AffineGrid is the constant grid of normalized output coordinates
// times theta; Det of 1x1, 2x2 and 3x3 matrices is its cofactor expansion.
//
//===----------------------------------------------------------------------===//

#include "NodeContext.h"
#include "OpRegistry.h"

#include "mlir/IR/BuiltinAttributes.h"

#include <limits>

using namespace mlir;
using namespace mlir::autoglm;

namespace autoglm::importer {
namespace {
/// The largest base grid built as a constant (elements).
constexpr int64_t kMaxGridElements = int64_t(1) << 24;

/// AffineGrid (opset 20): for theta [N, 2, 3] and size (N, C, H, W) the
/// grid [N, H, W, 2] of theta · (x, y, 1), with x along W and y along H
/// normalized to [-1, 1] (pixel centres, or corners with align_corners);
/// likewise [N, 3, 4] and (N, C, D, H, W) in 3-D. The homogeneous
/// coordinates of every output position are a constant [positions, k + 1]
/// matrix, and the grid is its product with theta transposed.
LogicalResult convertAffineGrid(NodeContext &n) {
  if (failed(n.checkArity(2, 2)))
    return failure();
  std::optional<SmallVector<int64_t>> size = n.knownValues(1);
  if (!size)
    return n.notKnown("size");
  int64_t spatial = static_cast<int64_t>(size->size()) - 2;
  if (spatial != 2 && spatial != 3)
    return n.emitError() << "size must have 4 (2-D) or 5 (3-D) entries, not "
                         << size->size();
  auto thetaType = n.inputType(0);
  if (thetaType.getRank() != 3 || thetaType.getDimSize(1) != spatial ||
      thetaType.getDimSize(2) != spatial + 1)
    return n.emitError() << "theta must be [N, " << spatial << ", "
                         << spatial + 1 << "] for a " << spatial << "-D size";
  int64_t batch = thetaType.getDimSize(0);
  if (!ShapedType::isDynamic(batch) && batch != (*size)[0])
    return n.emitError() << "theta has " << batch << " matrices but size says "
                         << (*size)[0];
  bool alignCorners = n.intAttr("align_corners", 0) != 0;
  // dims: (H, W) or (D, H, W); coordinate c of a point is along dims
  // [spatial - 1 - c] (x along the last axis).
  ArrayRef<int64_t> dims = ArrayRef(*size).drop_front(2);
  int64_t positions = 1;
  for (int64_t d : dims) {
    if (d < 1)
      return n.emitError() << "size entries must be positive";
    positions *= d;
  }
  if (positions * (spatial + 1) > kMaxGridElements)
    return n.emitError() << "a grid of " << positions
                         << " points is too large to build as a constant";
  auto normalized = [&](int64_t i, int64_t extent) -> double {
    if (alignCorners)
      return extent == 1 ? -1.0 : -1.0 + 2.0 * i / (extent - 1);
    return (2.0 * i + 1) / extent - 1.0;
  };
  auto element = cast<FloatType>(thetaType.getElementType());
  SmallVector<APFloat> base;
  base.reserve(positions * (spatial + 1));
  SmallVector<int64_t> index(spatial, 0);
  for (int64_t p = 0; p < positions; ++p) {
    int64_t rest = p;
    for (int64_t d = spatial - 1; d >= 0; --d) {
      index[d] = rest % dims[d];
      rest /= dims[d];
    }
    SmallVector<double> point;
    for (int64_t c = 0; c < spatial; ++c)
      point.push_back(
          normalized(index[spatial - 1 - c], dims[spatial - 1 - c]));
    point.push_back(1.0);
    for (double v : point) {
      APFloat value(v);
      bool lost;
      value.convert(element.getFloatSemantics(), APFloat::rmNearestTiesToEven,
                    &lost);
      base.push_back(value);
    }
  }
  Value grid = n.constant(DenseElementsAttr::get(
      RankedTensorType::get({positions, spatial + 1}, element), base));
  Value thetaT = n.transpose(n.input(0), {0, 2, 1});
  Value product = grid && thetaT ? n.create<MatMulOp>(grid, thetaT) : Value();
  if (!product)
    return failure();
  SmallVector<DimSpec> shape{DimSpec::fromInput(0)};
  for (int64_t d : dims)
    shape.push_back(DimSpec::literal(d));
  shape.push_back(DimSpec::literal(spatial));
  return n.finish(n.reshapeTo(product, shape));
}

/// Det: the determinant of the trailing [M, M] matrices, for M <= 3 by the
/// cofactor expansion on slices (elementwise over the batch).
LogicalResult convertDet(NodeContext &n) {
  if (failed(n.checkArity(1, 1)))
    return failure();
  auto type = n.inputType(0);
  int64_t rank = type.getRank();
  if (rank < 2 || !isa<FloatType>(type.getElementType()))
    return n.emitError() << "expects floating-point matrices [..., M, M]";
  int64_t m = type.getDimSize(rank - 1);
  if (ShapedType::isDynamic(m) || type.getDimSize(rank - 2) != m)
    return n.emitError() << "the matrices must be square with a static size";
  if (m > 3)
    return n.emitError() << "determinants of " << m << "x" << m
                         << " matrices are not supported (at most 3x3)";
  SmallVector<DimSpec> batch;
  for (int64_t d = 0; d < rank - 2; ++d)
    batch.push_back(DimSpec::fromInput(d));
  auto at = [&](int64_t i, int64_t j) -> Value {
    SmallVector<int64_t> starts(rank, 0), ends, steps(rank, 1);
    for (int64_t d = 0; d < rank - 2; ++d)
      ends.push_back(type.isDynamicDim(d) ? std::numeric_limits<int64_t>::max()
                                          : type.getDimSize(d));
    starts[rank - 2] = i;
    starts[rank - 1] = j;
    ends.push_back(i + 1);
    ends.push_back(j + 1);
    Value slice = n.create<SliceOp>(
        n.input(0), n.b.getDenseI64ArrayAttr(starts),
        n.b.getDenseI64ArrayAttr(ends), n.b.getDenseI64ArrayAttr(steps));
    return slice ? n.reshapeTo(slice, batch) : Value();
  };
  auto mul = [&](Value a, Value b) {
    return a && b ? n.create<MulOp>(a, b) : Value();
  };
  auto sub = [&](Value a, Value b) {
    return a && b ? n.create<SubOp>(a, b) : Value();
  };
  auto minor2 = [&](int64_t r0, int64_t r1, int64_t c0, int64_t c1) {
    return sub(mul(at(r0, c0), at(r1, c1)), mul(at(r0, c1), at(r1, c0)));
  };
  Value det;
  if (m == 1) {
    det = at(0, 0);
  } else if (m == 2) {
    det = minor2(0, 1, 0, 1);
  } else {
    Value plus = mul(at(0, 0), minor2(1, 2, 1, 2));
    Value minus = mul(at(0, 1), minor2(1, 2, 0, 2));
    Value again = mul(at(0, 2), minor2(1, 2, 0, 1));
    Value partial = sub(plus, minus);
    det = partial && again ? n.create<AddOp>(partial, again) : Value();
  }
  return n.finish(det);
}
} // namespace

void registerAffineGridDetConverters(OpRegistry &r) {
  r.add("AffineGrid", convertAffineGrid);
  r.add("Det", convertDet);
}
} // namespace autoglm::importer
