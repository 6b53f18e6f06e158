//===- Common.h - shared helpers of --autoglm-lower-to-linalg ---*- C++ -*-===//
//
// Internal to lib/Conversion/AutoGLMToLinalg: the type converter, builders
// for linalg.generic with numpy broadcasting, scalar constants and casts,
// reshapes, and the pattern-population entry points of the op families.
//
// Signedness strategy: arith and linalg want signless integers, so the type
// converter maps `uiN` (and `!quant.uniform` storage) to `iN` everywhere,
// function signatures included. Patterns read signedness from the *original*
// op's types (`isUnsignedLike`) and pick the unsigned arith ops (divui,
// cmpi ult, uitofp, extui, maxui, ...) accordingly. `i1` counts as unsigned
// (true is 1, not -1).
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_LIB_CONVERSION_AUTOGLMTOLINALG_COMMON_H
#define AUTOGLM_LIB_CONVERSION_AUTOGLMTOLINALG_COMMON_H

#include "autoglm/Dialect/AutoGLM.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mlir::autoglm::lowering {
/// uiN -> iN, quantized -> its storage type, tensors elementwise.
class AutoGLMTypeConverter : public TypeConverter {
public:
  explicit AutoGLMTypeConverter(MLIRContext *ctx);
};

/// The signless element type arith works on (ui8 -> i8, quant -> storage).
Type signless(Type elementType);
/// True for uiN and i1 (and unsigned quantized storage).
bool isUnsignedLike(Type elementType);
/// `type` (a ranked tensor) with its element type made signless.
RankedTensorType signlessTensor(Type type);

//===--- scalars ----------------------------------------------------------===//

Value floatConst(OpBuilder &b, Location loc, Type type, double value);
Value intConst(OpBuilder &b, Location loc, Type type, int64_t value);
Value indexConst(OpBuilder &b, Location loc, int64_t value);
/// `value` of the signless scalar type `type` (float or integer).
Value numConst(OpBuilder &b, Location loc, Type type, double value);
/// The identity of max (`lowest`) or min: -inf / +inf or the integer limits.
Value lowestValue(OpBuilder &b, Location loc, Type type, bool isUnsigned);
Value highestValue(OpBuilder &b, Location loc, Type type, bool isUnsigned);
/// Converts scalar `v` from element type `from` to `to` (original,
/// possibly unsigned types); float->int truncates, anything->i1 is `!= 0`.
Value castScalar(OpBuilder &b, Location loc, Value v, Type from, Type to);
/// NaN-propagating max/min for floats, signed/unsigned for integers.
Value maxScalar(OpBuilder &b, Location loc, Value x, Value y, bool isUnsigned);
Value minScalar(OpBuilder &b, Location loc, Value x, Value y, bool isUnsigned);
/// Arithmetic on float or integer scalars.
Value addScalar(OpBuilder &b, Location loc, Value x, Value y);
Value mulScalar(OpBuilder &b, Location loc, Value x, Value y);

//===--- tensors ----------------------------------------------------------===//

Value emptyTensor(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                  Type elementType);
Value filledTensor(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                   Value scalar);
/// Numpy broadcast map from a result of `resultShape` to an operand of
/// `operandShape` (right-aligned; size-1 dims that stretch read index 0).
AffineMap broadcastMap(MLIRContext *ctx, ArrayRef<int64_t> operandShape,
                       ArrayRef<int64_t> resultShape);
/// Map from `rank` loop dims to the dims not in `dropped`.
AffineMap dropDimsMap(MLIRContext *ctx, unsigned rank,
                      ArrayRef<int64_t> dropped);
SmallVector<utils::IteratorType> parallelIterators(unsigned n);

using BodyFn =
    function_ref<SmallVector<Value>(OpBuilder &, Location, ValueRange)>;
/// A linalg.generic; `body` gets the block arguments (inputs then outputs)
/// and returns the values to yield.
ValueRange buildGeneric(OpBuilder &b, Location loc, ValueRange inputs,
                        ValueRange outputs, ArrayRef<AffineMap> maps,
                        ArrayRef<utils::IteratorType> iterators, BodyFn body);
/// Elementwise generic over `resultType` with numpy broadcasting of `inputs`.
Value buildElementwise(
    OpBuilder &b, Location loc, RankedTensorType resultType, ValueRange inputs,
    function_ref<Value(OpBuilder &, Location, ValueRange)> body);
/// Reduction generic over `axes` of `input` (removed from the result);
/// `init` is the scalar identity, `body(acc, x)` the combination; `mapX`
/// preprocesses each element.
Value buildReduction(
    OpBuilder &b, Location loc, Value input, ArrayRef<int64_t> axes, Value init,
    function_ref<Value(OpBuilder &, Location, Value, Value)> body);
/// A generic producing `resultType` whose body computes each element from
/// its indices (and from `inputs` read through `maps`): gathers, padding
/// modes, index arithmetic.
Value buildIndexed(
    OpBuilder &b, Location loc, RankedTensorType resultType, ValueRange inputs,
    ArrayRef<AffineMap> maps,
    function_ref<Value(OpBuilder &, Location, ArrayRef<Value>, ValueRange)>
        body);
/// Reshape to `shape` of equal element count: collapse_shape / expand_shape
/// where a reassociation exists, otherwise collapse to 1-D and expand.
Value reshapeTo(OpBuilder &b, Location loc, Value v, ArrayRef<int64_t> shape);
/// tensor.pad of every dimension by `low`/`high` (non-negative) with the
/// scalar `padValue`; `v` itself when nothing is padded.
Value padConstant(OpBuilder &b, Location loc, Value v, ArrayRef<int64_t> low,
                  ArrayRef<int64_t> high, Value padValue);
/// Dense i64 tensor attribute, as the linalg conv/pool ops take strides.
DenseIntElementsAttr i64Tensor(OpBuilder &b, ArrayRef<int64_t> values);
/// Numerically stable (log-)softmax along `axis`.
Value buildSoftmax(OpBuilder &b, Location loc, Value x, int64_t axis, bool log);
/// For every position along `axis`, the number of elements of its lane that
/// come before it in descending (or ascending, with `smallest`) order, ties
/// broken by index: a rank in [0, size) as i64. O(size^2) per lane.
Value buildRanks(OpBuilder &b, Location loc, Value x, int64_t axis,
                 bool smallest, bool isUnsigned);

//===--- support checks and patterns --------------------------------------===//

/// Each family reports the variants it cannot lower (at the op's location)
/// before the conversion starts, so that a failure is one clear message.
LogicalResult checkContractionSupported(Operation *op);
LogicalResult checkNormalizationSupported(Operation *op);
LogicalResult checkConstantSupported(Operation *op);
LogicalResult checkResizeSupported(Operation *op);
LogicalResult checkHighLevelSupported(Operation *op);

//===--- patterns ---------------------------------------------------------===//

void populateElementwisePatterns(TypeConverter &converter,
                                 RewritePatternSet &patterns);
void populateContractionPatterns(TypeConverter &converter,
                                 RewritePatternSet &patterns);
void populateNormalizationPatterns(TypeConverter &converter,
                                   RewritePatternSet &patterns);
void populateConstantPatterns(TypeConverter &converter,
                              RewritePatternSet &patterns);
void populateLayoutPatterns(TypeConverter &converter,
                            RewritePatternSet &patterns);
void populateGatherPatterns(TypeConverter &converter,
                            RewritePatternSet &patterns);
void populateResizePatterns(TypeConverter &converter,
                            RewritePatternSet &patterns);
void populateHighLevelPatterns(TypeConverter &converter,
                               RewritePatternSet &patterns);
/// autoglm.topk_attention as one loop nest (TopKAttention.cpp).
void populateTopKAttentionPatterns(TypeConverter &converter,
                                   RewritePatternSet &patterns);

//===--- autoglm.fused (Fused.cpp) ----------------------------------------===//

/// Before the conversion: inlines the clusters whose types the converter
/// changes (unsigned, quantized; not float8); the others are converted in
/// place.
void inlineClustersWithConvertedTypes(ModuleOp module,
                                      const TypeConverter &converter);
/// After the conversion: fuses each cluster's linalg ops into one loop nest
/// (a contraction's tail into one in-place update); the cluster stays a
/// region, one kernel for the target's code generation.
void fuseInClusters(ModuleOp module);
/// The conversion of `autoglm.fused` and `autoglm.yield` whose types the
/// converter changes (float8 values, kept as clusters by
/// inlineClustersWithConvertedTypes), and when they are legal: their
/// types, and the types of the body's arguments, are the converter's.
void populateFusedPatterns(TypeConverter &converter,
                           RewritePatternSet &patterns);
bool isLegalCluster(Operation *op, const TypeConverter &converter);
} // namespace mlir::autoglm::lowering

#endif // AUTOGLM_LIB_CONVERSION_AUTOGLMTOLINALG_COMMON_H
