//===- WinogradConv.cpp - 3x3 convolutions as Winograd F(m x m, 3x3) ------===//
//
// A 3x3 stride-1 convolution computes each m x m block of output pixels
// from an (m + 2) x (m + 2) tile of its input. Winograd's minimal
// filtering (Lavin and Gray, "Fast Algorithms for Convolutional Neural
// Networks", 2016) does it with (m + 2)^2 multiplications per tile and
// channel pair instead of 9 m^2:
//
//   Y = A^T [ (G g G^T) . (B^T d B) ] A
//
// with g the 3x3 filter, d the input tile, `.` the elementwise product, and
// B^T, G, A^T the matrices of the interpolation points. F(4x4, 3x3) (points
// 0, 1, -1, 2, -2 and infinity; 36 multiplications for 144) is taken where
// the images have enough 4x4 blocks; F(2x2, 3x3) (0, 1, -1, infinity; 16
// for 36) where they have too few for F(4x4) but enough 2x2 ones (small
// images at batch 1: the transformed filter is read once per block column,
// and F(2x2)'s is 16/9 of the weight where F(4x4)'s is 4x). Summed over the
// input channels, the elementwise products of all tiles are (m + 2)^2
// matrix products
//
//   M[k] = U[k] x V[k],  U[k] = (G g G^T)[k] : [F, C],
//                        V[k] = (B^T d B)[k] : [C, tiles],
//
// which run on the CPU's tiled product kernel (one `linalg.batch_matmul`).
// The weight is a constant, so U is computed here, at compile time.
// Under --precision=bf16 (fp16) the input and weight are 16-bit and the
// result f32: the transforms widen them exactly, and the products run in
// f32, so these convolutions keep Winograd's 4x (2.25x) fewer
// multiplications rather than run direct on 16-bit products.
// The transforms are all-parallel generics (sumsOfProducts) that compute
// every row of their matrix at once from values read once, the matrix's
// entries as constants with its zeros left out: the input's one direction
// of the tile at a time (B^T d, then (B^T d) B: at most m + 2 multiply-adds
// an element), the output's both directions in one step (A^T m A), which
// saves the half-transformed tensor's pass through memory. The tiles'
// windows overlap m apart: the transforms read (and the output's writes)
// strided views of every m-th row or column, which --autoglm-vectorize-rows
// runs in vectors (as scalar loops, the column steps took 40% of a
// 64-channel convolution's time at 56x56). Done in one step, the input's
// transform measured no faster (docs/decisions.md).
// On a buffer of their own, since slices of one tensor
// written by one generic got a buffer and a copy each from bufferization.
//
//===----------------------------------------------------------------------===//

#include "autoglm/Target/CPU/Passes.h"

#include "ContractionTiles.h"
#include "autoglm/Dialect/AutoGLM.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::autoglm {
#define GEN_PASS_DEF_AUTOGLMWINOGRADCONV
#include "autoglm/Target/CPU/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;

namespace {
constexpr int64_t kTaps = 3;

// F(4x4, 3x3), for the points 0, 1, -1, 2, -2 and infinity.
constexpr double kBT4[6][6] = {{4, 0, -5, 0, 1, 0},  {0, -4, -4, 1, 1, 0},
                               {0, 4, -4, -1, 1, 0}, {0, -2, -1, 2, 1, 0},
                               {0, 2, -1, -2, 1, 0}, {0, 4, 0, -5, 0, 1}};
constexpr double kG4[6][kTaps] = {{1.0 / 4, 0, 0},
                                  {-1.0 / 6, -1.0 / 6, -1.0 / 6},
                                  {-1.0 / 6, 1.0 / 6, -1.0 / 6},
                                  {1.0 / 24, 1.0 / 12, 1.0 / 6},
                                  {1.0 / 24, -1.0 / 12, 1.0 / 6},
                                  {0, 0, 1}};
constexpr double kAT4[4][6] = {{1, 1, 1, 1, 1, 0},
                               {0, 1, -1, 2, -2, 0},
                               {0, 1, 1, 4, 4, 0},
                               {0, 1, -1, 8, -8, 1}};

// F(2x2, 3x3), for the points 0, 1, -1 and infinity.
constexpr double kBT2[4][4] = {
    {1, 0, -1, 0}, {0, 1, 1, 0}, {0, -1, 1, 0}, {0, 1, 0, -1}};
constexpr double kG2[4][kTaps] = {
    {1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}};
constexpr double kAT2[2][4] = {{1, 1, 1, 0}, {0, 1, -1, -1}};

/// One of Winograd's F(m x m, 3x3): `out` x `out` output blocks from `tile`
/// x `tile` input tiles (tile = out + 2), with its matrices row major:
/// B^T [tile, tile], G [tile, 3], A^T [out, tile].
struct WinogradForm {
  int64_t tile, out;
  ArrayRef<double> bt, g, at;

  double gAt(int64_t r, int64_t t) const { return g[r * kTaps + t]; }
};

template <size_t R, size_t C>
ArrayRef<double> entries(const double (&m)[R][C]) {
  return ArrayRef<double>(&m[0][0], R * C);
}

const WinogradForm kF4x4 = {6, 4, entries(kBT4), entries(kG4), entries(kAT4)};
const WinogradForm kF2x2 = {4, 2, entries(kBT2), entries(kG2), entries(kAT2)};

/// Whether `type` is an element type the transforms read: float32, or a
/// 16-bit float widened on the read (bf16 and fp16 precisions).
bool isTransformedElement(Type type) {
  return type.isF32() || type.isBF16() || type.isF16();
}

/// The float32 values of a constant weight (float32, or bf16 / fp16 values
/// widened exactly), or nothing if `weight` is not one (dense or a resource
/// blob).
std::optional<SmallVector<float>> constantValues(Value weight) {
  Attribute attr;
  if (!matchPattern(weight, m_Constant(&attr)))
    return std::nullopt;
  auto element = dyn_cast<FloatType>(
      cast<ShapedType>(cast<TypedAttr>(attr).getType()).getElementType());
  if (!element || !isTransformedElement(element))
    return std::nullopt;
  SmallVector<float> values;
  if (auto dense = dyn_cast<DenseElementsAttr>(attr)) {
    for (APFloat value : dense.getValues<APFloat>())
      values.push_back(value.convertToFloat());
    return values;
  }
  if (auto blob = dyn_cast<DenseF32ResourceElementsAttr>(attr)) {
    if (std::optional<ArrayRef<float>> floats = blob.tryGetAsArrayRef())
      return SmallVector<float>(floats->begin(), floats->end());
    return std::nullopt;
  }
  // A 16-bit blob (the weights the precision pass narrowed).
  auto resource = dyn_cast<DenseResourceElementsAttr>(attr);
  AsmResourceBlob *blob =
      resource ? resource.getRawHandle().getBlob() : nullptr;
  if (!blob || element.getWidth() != 16)
    return std::nullopt;
  ArrayRef<char> bytes = blob->getData();
  for (size_t i = 0; i + 1 < bytes.size(); i += 2) {
    uint16_t bits;
    std::memcpy(&bits, bytes.data() + i, 2);
    values.push_back(
        APFloat(element.getFloatSemantics(), APInt(16, bits)).convertToFloat());
  }
  return values;
}

/// The weight of `conv` as seen outside a fused region: the region's
/// operand for a block argument of the region's body.
Value weightOutsideRegion(linalg::Conv2DNchwFchwOp conv) {
  Value weight = conv.getInputs()[1];
  auto arg = dyn_cast<BlockArgument>(weight);
  if (!arg)
    return weight;
  auto region = dyn_cast<autoglm::FusedOp>(arg.getOwner()->getParentOp());
  if (!region)
    return weight;
  return region->getOperand(arg.getArgNumber());
}

/// U[k, f, c] = (G g[f, c] G^T)[k] for the weight g[F, C, 3, 3], summed in
/// double and rounded once.
SmallVector<float> transformFilter(const WinogradForm &form, ArrayRef<float> g,
                                   int64_t f, int64_t c) {
  int64_t tile = form.tile;
  SmallVector<float> u(tile * tile * f * c);
  SmallVector<double> gw(tile * kTaps);
  for (int64_t o = 0; o < f; ++o) {
    for (int64_t i = 0; i < c; ++i) {
      const float *w = &g[(o * c + i) * kTaps * kTaps];
      llvm::fill(gw, 0.0); // G g
      for (int64_t r = 0; r < tile; ++r)
        for (int64_t s = 0; s < kTaps; ++s)
          for (int64_t t = 0; t < kTaps; ++t)
            gw[r * kTaps + s] += form.gAt(r, t) * w[t * kTaps + s];
      for (int64_t r = 0; r < tile; ++r) {
        for (int64_t q = 0; q < tile; ++q) {
          double sum = 0; // (G g G^T)[r, q]
          for (int64_t s = 0; s < kTaps; ++s)
            sum += gw[r * kTaps + s] * form.gAt(q, s);
          u[((r * tile + q) * f + o) * c + i] = static_cast<float>(sum);
        }
      }
    }
  }
  return u;
}

/// A float32 constant tensor of `shape` holding `values` (row major).
Value constantTensor(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                     ArrayRef<float> values) {
  auto type = RankedTensorType::get(shape, b.getF32Type());
  return arith::ConstantOp::create(b, loc, type,
                                   DenseElementsAttr::get(type, values));
}

/// `buffer` read at `map` (over loops of `ranges`), whose results are each
/// a constant c, a loop d, or m d + c, as a view read at a projected
/// permutation of the loops: a constant is the view's offset along a dropped
/// dimension, m d + c a dimension of stride m from c (the tiles' windows,
/// m apart, which --autoglm-vectorize-rows reads as whole vectors and a
/// shuffle where they are the row). Other maps: `buffer` and `map`.
std::pair<Value, AffineMap> viewThroughMap(OpBuilder &b, Location loc,
                                           Value buffer, AffineMap map,
                                           ArrayRef<int64_t> ranges) {
  auto type = cast<MemRefType>(buffer.getType());
  SmallVector<int64_t> offsets, sizes, strides;
  SmallVector<AffineExpr> kept;
  SmallVector<bool> dropped;
  for (AffineExpr e : map.getResults()) {
    // e = loop * stride + offset, the constants (on the right, where
    // affine expressions keep them) peeled off in turn.
    AffineExpr loop = e;
    bool constants = true;
    auto peel = [&](AffineExprKind kind, int64_t otherwise) {
      auto op = dyn_cast<AffineBinaryOpExpr>(loop);
      if (!op || op.getKind() != kind)
        return otherwise;
      auto c = dyn_cast<AffineConstantExpr>(op.getRHS());
      constants &= bool(c);
      loop = op.getLHS();
      return c ? c.getValue() : otherwise;
    };
    int64_t offset = peel(AffineExprKind::Add, 0);
    int64_t stride = peel(AffineExprKind::Mul, 1);
    if (!constants)
      return {buffer, map};
    if (auto c = dyn_cast<AffineConstantExpr>(loop)) {
      offsets.push_back(c.getValue());
      sizes.push_back(1);
      strides.push_back(1);
      dropped.push_back(true);
      continue;
    }
    auto d = dyn_cast<AffineDimExpr>(loop);
    if (!d)
      return {buffer, map};
    offsets.push_back(offset);
    sizes.push_back(ranges[d.getPosition()]);
    strides.push_back(stride);
    dropped.push_back(false);
    kept.push_back(d);
  }
  // The view's layout: the strided subview's, less the dropped dimensions.
  auto full = memref::SubViewOp::inferResultType(type, offsets, sizes, strides);
  SmallVector<int64_t> fullStrides, keptShape, keptStrides;
  int64_t viewOffset;
  (void)full.getStridesAndOffset(fullStrides, viewOffset);
  for (auto [i, drop] : llvm::enumerate(dropped))
    if (!drop) {
      keptShape.push_back(sizes[i]);
      keptStrides.push_back(fullStrides[i]);
    }
  auto viewType = MemRefType::get(
      keptShape, type.getElementType(),
      StridedLayoutAttr::get(b.getContext(), viewOffset, keptStrides));
  Value view = memref::SubViewOp::create(b, loc, viewType, buffer, offsets,
                                         sizes, strides);
  return {view, AffineMap::get(map.getNumDims(), 0, kept, b.getContext())};
}

/// sum_k coef[k] * xs[k], with the coefficients as constants and zero terms
/// left out (a term of 1 or -1 as an add or a subtract).
Value combine(OpBuilder &b, Location loc, ArrayRef<double> coef,
              ArrayRef<Value> xs) {
  Value sum;
  for (auto [c, x] : llvm::zip_equal(coef, xs)) {
    if (c == 0)
      continue;
    if (!sum) {
      sum = c == 1 ? x
            : c == -1
                ? Value(arith::NegFOp::create(b, loc, x))
                : Value(arith::MulFOp::create(
                      b, loc, x,
                      arith::ConstantOp::create(b, loc, b.getF32FloatAttr(c))));
      continue;
    }
    if (c == 1)
      sum = arith::AddFOp::create(b, loc, sum, x);
    else if (c == -1)
      sum = arith::SubFOp::create(b, loc, sum, x);
    else
      sum = arith::AddFOp::create(
          b, loc, sum,
          arith::MulFOp::create(
              b, loc, x,
              arith::ConstantOp::create(b, loc, b.getF32FloatAttr(c))));
  }
  return sum ? sum : arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0));
}

/// All rows of the constant matrix `coef` [rows, terms] at once, along one
/// dimension or two: a tensor of `shape` whose slice r along `rowDims[0]`
/// is sum_k coef[r][k] * x_k, with x_k the value `values` at `valueMaps[k]`
/// (maps over `shape`'s dimensions without `rowDims`); with two row
/// dimensions, the slice (r, s) is sum_k coef[s][k] * (sum_l coef[r][l] *
/// x_lk), x_lk at `valueMaps[l * terms + k]`: both directions of a tile's
/// transform in one step, without the half-transformed tensor between them.
/// One generic computes every row: its body reads the values once and
/// writes one output per row (each a slice of one tensor), where a generic
/// per element along a row dimension would read its coefficients from a
/// tensor and gather the same values again for every row. Each value is
/// read through a view (viewThroughMap), so that the generic's maps are
/// projected permutations, which the vectorizer takes.
///
/// With `planeFrom`, the dimensions of `shape` from `planeFrom` on are one
/// plane of the result (an output channel's pixels) whose length is no
/// multiple of 16 floats: the buffer's planes are then rounded up to 16
/// floats (at most a quarter longer; `--autoglm-align-product-rows` does
/// the same for the results of other regions), so that a product reading
/// the result as B (the 1x1 convolution after a 3x3 one at 14x14) loads
/// rows that start on cache lines.
Value sumsOfProducts(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                     ArrayRef<unsigned> rowDims, ArrayRef<double> coef,
                     int64_t terms, Value values, ArrayRef<AffineMap> valueMaps,
                     std::optional<unsigned> planeFrom = std::nullopt) {
  int64_t rows = coef.size() / terms;
  MLIRContext *ctx = b.getContext();
  Type f32 = b.getF32Type();
  unsigned rank = shape.size();
  bool twoDims = rowDims.size() == 2;
  // On a buffer: the rows are subviews of it that one generic writes. (As
  // tensors, slices of one tensor.empty written by one generic and inserted
  // back, bufferization gave every row but the first its own buffer and a
  // copy.)
  int64_t plane = 1, padded = 1;
  if (planeFrom) {
    for (int64_t size : shape.drop_front(*planeFrom))
      plane *= size;
    padded = autoglm::lineAlignedRow(plane);
  }
  Value buffer;
  if (padded != plane) {
    SmallVector<int64_t> wide(shape.take_front(*planeFrom));
    wide.push_back(padded);
    buffer = memref::AllocOp::create(b, loc, MemRefType::get(wide, f32),
                                     b.getI64IntegerAttr(64));
    SmallVector<int64_t> flat(wide);
    flat.back() = plane;
    SmallVector<int64_t> zeros(wide.size(), 0), ones(wide.size(), 1);
    buffer = memref::SubViewOp::create(b, loc, buffer, zeros, flat, ones);
    buffer = memref::ExpandShapeOp::create(
        b, loc, shape, buffer,
        autoglm::trailingDimsJoined(shape.size(), *planeFrom));
  } else {
    buffer = memref::AllocOp::create(b, loc, MemRefType::get(shape, f32),
                                     b.getI64IntegerAttr(64));
  }
  auto valuesType = cast<RankedTensorType>(values.getType());
  Value valuesBuffer = bufferization::ToBufferOp::create(
      b, loc,
      MemRefType::get(valuesType.getShape(), valuesType.getElementType()),
      values, /*read_only=*/true);
  SmallVector<int64_t> rowShape;
  for (auto [d, size] : llvm::enumerate(shape))
    if (!llvm::is_contained(rowDims, d))
      rowShape.push_back(size);
  // Output row r (r / rows, r % rows with two row dimensions): the buffer
  // at constants along the row dimensions, a view as the values' are.
  SmallVector<Value> outs;
  for (int64_t r = 0; r < (twoDims ? rows * rows : rows); ++r) {
    SmallVector<AffineExpr> at;
    unsigned loop = 0;
    for (unsigned d = 0; d < rank; ++d)
      at.push_back(
          d == rowDims[0] ? b.getAffineConstantExpr(twoDims ? r / rows : r)
          : twoDims && d == rowDims[1] ? b.getAffineConstantExpr(r % rows)
                                       : b.getAffineDimExpr(loop++));
    outs.push_back(viewThroughMap(b, loc, buffer,
                                  AffineMap::get(loop, 0, at, ctx), rowShape)
                       .first);
  }
  SmallVector<Value> termValues;
  SmallVector<AffineMap> maps;
  for (AffineMap map : valueMaps) {
    auto [view, viewMap] = viewThroughMap(b, loc, valuesBuffer, map, rowShape);
    termValues.push_back(view);
    maps.push_back(viewMap);
  }
  maps.append(outs.size(),
              AffineMap::getMultiDimIdentityMap(rowShape.size(), ctx));
  linalg::GenericOp::create(
      b, loc, TypeRange{}, termValues, outs, maps,
      SmallVector<utils::IteratorType>(rowShape.size(),
                                       utils::IteratorType::parallel),
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        // A 16-bit input is widened exactly, once per value.
        SmallVector<Value> xs;
        for (Value arg : args.take_front(termValues.size()))
          xs.push_back(arg.getType().isF32()
                           ? arg
                           : Value(arith::ExtFOp::create(nb, nl, f32, arg)));
        auto coefRow = [&](int64_t r) { return coef.slice(r * terms, terms); };
        SmallVector<Value> results;
        if (!twoDims) {
          for (int64_t r = 0; r < rows; ++r)
            results.push_back(combine(nb, nl, coefRow(r), xs));
        } else {
          // The first direction for every row r and column k, then the
          // second along k.
          for (int64_t r = 0; r < rows; ++r) {
            SmallVector<Value> firsts;
            for (int64_t k = 0; k < terms; ++k) {
              SmallVector<Value> column;
              for (int64_t l = 0; l < terms; ++l)
                column.push_back(xs[l * terms + k]);
              firsts.push_back(combine(nb, nl, coefRow(r), column));
            }
            for (int64_t s = 0; s < rows; ++s)
              results.push_back(combine(nb, nl, coefRow(s), firsts));
          }
        }
        linalg::YieldOp::create(nb, nl, results);
      });
  return bufferization::ToTensorOp::create(
      b, loc, RankedTensorType::get(shape, f32), buffer, /*restrict=*/true,
      /*writable=*/true);
}

/// Whether `value` is a linalg.fill of zero.
bool isZeroFill(Value value) {
  auto fill = value.getDefiningOp<linalg::FillOp>();
  return fill && matchPattern(fill.getInputs()[0], m_AnyZeroFloat());
}

struct WinogradConvPass
    : public autoglm::impl::AutoGLMWinogradConvBase<WinogradConvPass> {
  using AutoGLMWinogradConvBase::AutoGLMWinogradConvBase;

  /// Rewrites `conv`; failure (and no change) where it does not apply.
  LogicalResult rewrite(RewriterBase &rewriter, linalg::Conv2DNchwFchwOp conv) {
    if (!conv.hasPureTensorSemantics())
      return failure();
    auto inType = cast<RankedTensorType>(conv.getInputs()[0].getType());
    auto wType = cast<RankedTensorType>(conv.getInputs()[1].getType());
    auto outType = cast<RankedTensorType>(conv.getOutputs()[0].getType());
    if (!inType.hasStaticShape() || !wType.hasStaticShape() ||
        !outType.hasStaticShape() ||
        !isTransformedElement(inType.getElementType()) ||
        (inType.getElementType().isBF16() && !bf16Operands) ||
        !isTransformedElement(wType.getElementType()) ||
        !outType.getElementType().isF32())
      return failure();
    if (wType.getDimSize(2) != kTaps || wType.getDimSize(3) != kTaps ||
        !llvm::all_of(conv.getStrides().getValues<int64_t>(),
                      [](int64_t s) { return s == 1; }) ||
        !llvm::all_of(conv.getDilations().getValues<int64_t>(),
                      [](int64_t d) { return d == 1; }))
      return failure();
    int64_t n = inType.getDimSize(0), c = inType.getDimSize(1);
    int64_t f = wType.getDimSize(0);
    int64_t oh = outType.getDimSize(2), ow = outType.getDimSize(3);
    if (c < minChannels || f < minChannels)
      return failure();
    // F(4x4) where the images have enough 4x4 blocks, else F(2x2) where they
    // have enough 2x2 ones (small images at small batches: ResNet-50's
    // 14x14 at batch 1).
    auto blocks = [&](const WinogradForm &form) -> int64_t {
      return n * llvm::divideCeil(oh, form.out) *
             llvm::divideCeil(ow, form.out);
    };
    const WinogradForm *chosen = nullptr;
    if (blocks(kF4x4) >= minTiles)
      chosen = &kF4x4;
    else if (blocks(kF2x2) >= minSmallTiles)
      chosen = &kF2x2;
    if (!chosen)
      return failure();
    const WinogradForm &form = *chosen;
    int64_t tileSize = form.tile, blockSize = form.out;
    int64_t th = llvm::divideCeil(oh, blockSize),
            tw = llvm::divideCeil(ow, blockSize);
    int64_t tiles = n * th * tw;
    if (tileSize * tileSize * c * tiles * 4 > maxTransformedMiB << 20)
      return failure();
    Value init = conv.getOutputs()[0];
    if (!isZeroFill(init))
      return failure();
    Value weightOutside = weightOutsideRegion(conv);
    std::optional<SmallVector<float>> g = constantValues(weightOutside);
    if (!g)
      return failure();

    Location loc = conv.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    int64_t eh = th * blockSize + kTaps - 1, ew = tw * blockSize + kTaps - 1;
    auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
    auto cst = [&](int64_t v) { return getAffineConstantExpr(v, ctx); };
    Type f32 = rewriter.getF32Type();

    // U, the transformed filter: the weight operand is replaced (the
    // region's, when the convolution is its only user), else a new
    // constant next to the convolution.
    SmallVector<float> u = transformFilter(form, *g, f, c);
    SmallVector<int64_t> uShape = {tileSize * tileSize, f, c};
    Value uValue;
    auto weightArg = dyn_cast<BlockArgument>(conv.getInputs()[1]);
    if (weightArg && weightArg.hasOneUse() && weightOutside.hasOneUse()) {
      Operation *region = weightArg.getOwner()->getParentOp();
      rewriter.setInsertionPoint(region);
      Value outside = constantTensor(rewriter, loc, uShape, u);
      Operation *old = weightOutside.getDefiningOp();
      rewriter.modifyOpInPlace(region, [&] {
        region->setOperand(weightArg.getArgNumber(), outside);
        weightArg.setType(outside.getType());
      });
      rewriter.eraseOp(old);
      uValue = weightArg;
      rewriter.setInsertionPoint(conv);
    } else {
      rewriter.setInsertionPoint(conv);
      uValue = constantTensor(rewriter, loc, uShape, u);
    }

    // The input, padded with zeros to whole tiles at the bottom and right;
    // a zero pad of the convolution alone grows instead of a second one.
    Value input = conv.getInputs()[0];
    int64_t extraH = eh - inType.getDimSize(2),
            extraW = ew - inType.getDimSize(3);
    if (extraH || extraW) {
      Value source = input;
      SmallVector<OpFoldResult> low(4, rewriter.getIndexAttr(0)),
          high(4, rewriter.getIndexAttr(0));
      auto pad = input.getDefiningOp<tensor::PadOp>();
      if (pad && input.hasOneUse() && !pad.getNofold() &&
          matchPattern(pad.getConstantPaddingValue(), m_AnyZeroFloat()) &&
          pad.getSourceType().hasStaticShape()) {
        source = pad.getSource();
        low = pad.getMixedLowPad();
        high = pad.getMixedHighPad();
        if (!getConstantIntValue(high[2]) || !getConstantIntValue(high[3])) {
          // A pad of run-time size (not from ONNX's static pads): keep it.
          source = input;
          low.assign(4, rewriter.getIndexAttr(0));
          high.assign(4, rewriter.getIndexAttr(0));
        }
      }
      high[2] = rewriter.getIndexAttr(*getConstantIntValue(high[2]) + extraH);
      high[3] = rewriter.getIndexAttr(*getConstantIntValue(high[3]) + extraW);
      Type element = inType.getElementType();
      Value zero = arith::ConstantOp::create(rewriter, loc, element,
                                             rewriter.getZeroAttr(element));
      input = tensor::PadOp::create(
          rewriter, loc, RankedTensorType::get({n, c, eh, ew}, element), source,
          low, high, zero);
    }

    // B^T d along the tile's rows: rows[a, n, c, i, w] = sum_k BT[a, k]
    // x[n, c, m i + k, w] (m = blockSize), a row of the image per loop
    // (contiguous), all a at once (loops n, c, i, w).
    SmallVector<AffineMap> vals;
    for (int64_t k = 0; k < tileSize; ++k)
      vals.push_back(AffineMap::get(
          4, 0, {d(0), d(1), d(2) * blockSize + cst(k), d(3)}, ctx));
    Value rows =
        sumsOfProducts(rewriter, loc, {tileSize, n, c, th, ew},
                       /*rowDims=*/{0}, form.bt, tileSize, input, vals);
    // (B^T d) B along its columns: v[a, b, c, n, i, j] = sum_k BT[b, k]
    // rows[a, n, c, i, m j + k], all b at once (loops a, c, n, i, j): the
    // values m apart are read once for all the sums, term k through the
    // view of rows' columns k, k + m, k + 2m, ...
    vals.clear();
    for (int64_t k = 0; k < tileSize; ++k)
      vals.push_back(AffineMap::get(
          5, 0, {d(0), d(2), d(1), d(3), d(4) * blockSize + cst(k)}, ctx));
    Value v = sumsOfProducts(rewriter, loc, {tileSize, tileSize, c, n, th, tw},
                             /*rowDims=*/{1}, form.bt, tileSize, rows, vals);
    v = tensor::CollapseShapeOp::create(
        rewriter, loc,
        RankedTensorType::get({tileSize * tileSize, c, tiles}, f32), v,
        ArrayRef<ReassociationIndices>{{0, 1}, {2}, {3, 4, 5}});

    // The 36 (16) products, into a zero fill of their own shape (the product
    // tiling fuses it into its blocks).
    Value zero = arith::ConstantOp::create(rewriter, loc, f32,
                                           rewriter.getZeroAttr(f32));
    Value mEmpty = tensor::EmptyOp::create(
        rewriter, loc, ArrayRef<int64_t>{tileSize * tileSize, f, tiles}, f32);
    Value mInit =
        linalg::FillOp::create(rewriter, loc, zero, mEmpty).getResult(0);
    Value m =
        linalg::BatchMatmulOp::create(rewriter, loc, TypeRange{mInit.getType()},
                                      ValueRange{uValue, v}, mInit)
            .getResult(0);

    // A^T m A, both directions in one step, into the output's layout:
    // out[n, f, i, y, j, x] = sum_k AT[x, k] (sum_l AT[y, l] m[l, k, f, n,
    // i, j]), so that [n, f, m i + y, m j + x] is its row-major view; all y
    // and x at once (loops n, f, i, j), each x written through the view of
    // every m-th column. (In two steps, the half-transformed tensor took
    // a pass through memory: 15% of a 64-channel convolution's time at
    // 56x56.)
    m = tensor::ExpandShapeOp::create(
        rewriter, loc,
        RankedTensorType::get({tileSize, tileSize, f, n, th, tw}, f32), m,
        ArrayRef<ReassociationIndices>{{0, 1}, {2}, {3, 4, 5}});
    vals.clear();
    for (int64_t l = 0; l < tileSize; ++l)
      for (int64_t k = 0; k < tileSize; ++k)
        vals.push_back(AffineMap::get(
            4, 0, {cst(l), cst(k), d(1), d(0), d(2), d(3)}, ctx));
    // The output's planes on cache lines where they are the convolution's
    // (no tiles cut off at its edges).
    std::optional<unsigned> planeFrom;
    if (th * blockSize == oh && tw * blockSize == ow)
      planeFrom = 2;
    Value out = sumsOfProducts(
        rewriter, loc, {n, f, th, blockSize, tw, blockSize},
        /*rowDims=*/{3, 5}, form.at, tileSize, m, vals, planeFrom);
    out = tensor::CollapseShapeOp::create(
        rewriter, loc,
        RankedTensorType::get({n, f, th * blockSize, tw * blockSize}, f32), out,
        ArrayRef<ReassociationIndices>{{0}, {1}, {2, 3}, {4, 5}});
    if (th * blockSize != oh || tw * blockSize != ow) {
      SmallVector<OpFoldResult> offsets(4, rewriter.getIndexAttr(0)),
          strides(4, rewriter.getIndexAttr(1));
      SmallVector<OpFoldResult> sizes = {
          rewriter.getIndexAttr(n), rewriter.getIndexAttr(f),
          rewriter.getIndexAttr(oh), rewriter.getIndexAttr(ow)};
      out = tensor::ExtractSliceOp::create(rewriter, loc, outType, out, offsets,
                                           sizes, strides);
    }
    Operation *oldFill = init.getDefiningOp();
    Operation *oldPad = conv.getInputs()[0].getDefiningOp<tensor::PadOp>();
    rewriter.replaceOp(conv, out);
    if (oldFill->use_empty())
      rewriter.eraseOp(oldFill);
    if (oldPad && oldPad->use_empty())
      rewriter.eraseOp(oldPad);
    return success();
  }

  void runOnOperation() override {
    SmallVector<linalg::Conv2DNchwFchwOp> convs;
    getOperation().walk(
        [&](linalg::Conv2DNchwFchwOp conv) { convs.push_back(conv); });
    IRRewriter rewriter(&getContext());
    for (linalg::Conv2DNchwFchwOp conv : convs)
      (void)rewrite(rewriter, conv);
  }
};
} // namespace
