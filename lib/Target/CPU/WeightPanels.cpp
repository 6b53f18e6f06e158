//===- WeightPanels.cpp - a streamed weight read panel by panel -----------===//
//
// See WeightPanels.h.
//
//===----------------------------------------------------------------------===//

#include "WeightPanels.h"

#include "../PermutedConstant.h"

#include "autoglm/Dialect/AutoGLM.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

using namespace mlir;
using namespace mlir::autoglm;

namespace {
/// Where a block's B comes from: the whole weight's value in the block's
/// scope (a constant, or a fused region's argument) and the block's first
/// column in it.
struct WeightBlock {
  Value whole;
  OpFoldResult firstColumn;
};

std::optional<WeightBlock> weightBlockOf(Value b) {
  auto slice = b.getDefiningOp<tensor::ExtractSliceOp>();
  if (!slice)
    return WeightBlock{b, OpBuilder(b.getContext()).getIndexAttr(0)};
  auto wholeType = cast<RankedTensorType>(slice.getSource().getType());
  if (!slice.hasUnitStride() || !isZeroInteger(slice.getMixedOffsets()[0]) ||
      cast<RankedTensorType>(b.getType()).getDimSize(0) !=
          wholeType.getDimSize(0))
    return std::nullopt;
  return WeightBlock{slice.getSource(), slice.getMixedOffsets()[1]};
}

/// The constant a block's weight is, directly or as the argument of a
/// fused region that only one op reads (`region` and `arg` then set).
struct WeightConstant {
  arith::ConstantOp constant;
  FusedOp region;
  BlockArgument arg;
};

std::optional<WeightConstant> weightConstantOf(Value whole) {
  WeightConstant weight;
  if ((weight.arg = dyn_cast<BlockArgument>(whole))) {
    weight.region = dyn_cast<FusedOp>(weight.arg.getOwner()->getParentOp());
    if (!weight.region || !weight.arg.hasOneUse())
      return std::nullopt;
    whole = weight.region->getOperand(weight.arg.getArgNumber());
  }
  weight.constant = whole.getDefiningOp<arith::ConstantOp>();
  if (!weight.constant)
    return std::nullopt;
  return weight;
}

/// weightConstantOf, where the constant is not a splat (nothing to
/// rearrange in one value).
std::optional<WeightConstant> packableConstantOf(Value whole) {
  std::optional<WeightConstant> weight = weightConstantOf(whole);
  auto dense = weight ? dyn_cast<DenseElementsAttr>(weight->constant.getValue())
                      : DenseElementsAttr();
  if (dense && dense.isSplat())
    return std::nullopt;
  return weight;
}

/// `value` (a constant beside `weight`'s) as what `weight`'s scope reads:
/// the region's argument, now of `value`'s type and operand, or `value`
/// itself where the weight was read directly.
Value readInScope(RewriterBase &rewriter, WeightConstant weight, Value value) {
  if (!weight.arg)
    return value;
  rewriter.modifyOpInPlace(weight.region, [&] {
    weight.region->setOperand(weight.arg.getArgNumber(), value);
    weight.arg.setType(value.getType());
  });
  return weight.arg;
}

/// Forgets the panels of `constant`, which is about to go.
void forget(WeightPanelCache &cache, Operation *constant) {
  SmallVector<std::pair<Operation *, int64_t>> keys;
  for (auto &entry : cache)
    if (entry.first.first == constant)
      keys.push_back(entry.first);
  for (auto key : keys)
    cache.erase(key);
}
} // namespace

bool mlir::autoglm::isPackableWeight(Value b) {
  return packableConstantOf(b).has_value();
}

Value mlir::autoglm::leadingSlice(OpBuilder &b, Location loc, Value source,
                                  RankedTensorType type) {
  int64_t rank = type.getRank();
  return tensor::ExtractSliceOp::create(
      b, loc, type, source, SmallVector<OpFoldResult>(rank, b.getIndexAttr(0)),
      getAsIndexOpFoldResult(b.getContext(), type.getShape()),
      SmallVector<OpFoldResult>(rank, b.getIndexAttr(1)));
}

Value mlir::autoglm::rearrangeWeight(
    RewriterBase &rewriter, Value weight,
    function_ref<TypedAttr(Attribute)> rearrange) {
  std::optional<WeightConstant> source = packableConstantOf(weight);
  if (!source)
    return {};
  TypedAttr rearranged = rearrange(source->constant.getValue());
  if (!rearranged)
    return {};
  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPointAfter(source->constant);
  Value read =
      readInScope(rewriter, *source,
                  arith::ConstantOp::create(rewriter, source->constant.getLoc(),
                                            rearranged));
  if (source->constant->use_empty())
    rewriter.eraseOp(source->constant);
  return read;
}

LogicalResult mlir::autoglm::multiplyByWeightPanels(RewriterBase &rewriter,
                                                    linalg::MatmulOp block,
                                                    int64_t panelColumns,
                                                    WeightPanelCache &cache,
                                                    int64_t sliceRows) {
  Value a = block.getDpsInputs()[0], b = block.getDpsInputs()[1];
  Value init = block.getDpsInits()[0];
  auto bType = dyn_cast<RankedTensorType>(b.getType());
  auto initType = dyn_cast<RankedTensorType>(init.getType());
  if (!bType || !initType || !bType.hasStaticShape() ||
      !initType.hasStaticShape() || !bType.getElementType().isF32() ||
      !initType.getElementType().isF32() || !block.hasPureTensorSemantics())
    return failure();
  std::optional<WeightBlock> source = weightBlockOf(b);
  if (!source)
    return failure();
  std::optional<WeightConstant> weight = weightConstantOf(source->whole);
  if (!weight)
    return failure();
  arith::ConstantOp constant = weight->constant;
  int64_t k = bType.getDimSize(0), columns = bType.getDimSize(1);
  int64_t rows = initType.getDimSize(0);
  Value &panels = cache[{constant, columns}];
  if (!panels) {
    TypedAttr packed = packColumnPanels(constant.getValue(), columns,
                                        panelColumns, "column_panels");
    if (!packed) {
      cache.erase({constant, columns});
      return failure();
    }
    OpBuilder::InsertionGuard guard(rewriter);
    rewriter.setInsertionPointAfter(constant);
    panels = arith::ConstantOp::create(rewriter, constant.getLoc(), packed);
  }
  Value read = readInScope(rewriter, *weight, panels);

  Location loc = block.getLoc();
  rewriter.setInsertionPoint(block);
  // K in slices of sliceRows rows where it is longer (and they divide it).
  int64_t slices =
      sliceRows > 0 && k > sliceRows && k % sliceRows == 0 ? k / sliceRows : 1;
  int64_t sliceK = k / slices;
  // A zero fill of the accumulator runs on each panel's columns instead,
  // right before its product (the register kernel then starts from zero);
  // with K in slices it stays before them all.
  Value fillValue;
  if (auto fill = init.getDefiningOp<linalg::FillOp>();
      fill && fill->hasOneUse() && slices == 1) {
    fillValue = fill.getInputs()[0];
    init = fill.getOutputs()[0];
  }
  int64_t perBlock = llvm::divideCeil(columns, panelColumns);
  int64_t whole = columns / panelColumns, rest = columns % panelColumns;
  auto index = [&](OpBuilder &b, int64_t v) -> Value {
    return arith::ConstantIndexOp::create(b, loc, v);
  };
  // The block's first panel: its block's index times the panels a block has.
  Value firstPanel = arith::MulIOp::create(
      rewriter, loc,
      arith::DivUIOp::create(
          rewriter, loc,
          getValueOrCreateConstantIndexOp(rewriter, loc, source->firstColumn),
          index(rewriter, columns)),
      index(rewriter, perBlock));
  Type element = bType.getElementType();
  // The rows of A and of the panels that a slice multiplies: all of K, or
  // the slice's.
  Value aSlice = a;
  OpFoldResult firstRow = rewriter.getIndexAttr(0);
  auto multiply = [&](OpBuilder &b, Value acc, Value panel, OpFoldResult column,
                      int64_t width) -> Value {
    SmallVector<OpFoldResult> unit3(3, b.getIndexAttr(1)),
        unit2(2, b.getIndexAttr(1));
    Value bPanel = tensor::ExtractSliceOp::create(
        b, loc, RankedTensorType::get({sliceK, width}, element), read,
        SmallVector<OpFoldResult>{panel, firstRow, b.getIndexAttr(0)},
        SmallVector<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(sliceK),
                                  b.getIndexAttr(width)},
        unit3);
    SmallVector<OpFoldResult> offsets = {b.getIndexAttr(0), column};
    SmallVector<OpFoldResult> sizes = {b.getIndexAttr(rows),
                                       b.getIndexAttr(width)};
    Value c =
        tensor::ExtractSliceOp::create(b, loc, acc, offsets, sizes, unit2);
    if (fillValue)
      c = linalg::FillOp::create(b, loc, fillValue, c).getResult(0);
    auto product =
        linalg::MatmulOp::create(b, loc, TypeRange{c.getType()},
                                 ValueRange{aSlice, bPanel}, ValueRange{c});
    product->setDiscardableAttrs(block->getDiscardableAttrDictionary());
    return tensor::InsertSliceOp::create(b, loc, product.getResult(0), acc,
                                         offsets, sizes, unit2);
  };
  // The block's panels, one after the other, each multiplied by A (or the
  // slice's rows of both).
  auto multiplyPanels = [&](OpBuilder &b, Value acc) -> Value {
    if (whole > 0) {
      auto loop = scf::ForOp::create(
          b, loc, index(b, 0), index(b, whole), index(b, 1), ValueRange{acc},
          [&](OpBuilder &nb, Location, Value q, ValueRange carried) {
            Value panel = arith::AddIOp::create(nb, loc, firstPanel, q);
            Value column =
                arith::MulIOp::create(nb, loc, q, index(nb, panelColumns));
            scf::YieldOp::create(
                nb, loc, multiply(nb, carried[0], panel, column, panelColumns));
          });
      acc = loop.getResult(0);
    }
    if (rest)
      acc = multiply(b, acc,
                     arith::AddIOp::create(b, loc, firstPanel, index(b, whole)),
                     b.getIndexAttr(whole * panelColumns), rest);
    return acc;
  };
  Value result = init;
  if (slices == 1) {
    result = multiplyPanels(rewriter, result);
  } else {
    // K in slices, each over all of the block's panels: a slice of A's
    // rows (rows x sliceRows) stays in L2 while every panel reads it, where
    // all of K (1.5 MB at BERT-base's K = 3072 and 128 rows) did not.
    auto loop = scf::ForOp::create(
        rewriter, loc, index(rewriter, 0), index(rewriter, slices),
        index(rewriter, 1), ValueRange{result},
        [&](OpBuilder &b, Location, Value slice, ValueRange carried) {
          Value row = arith::MulIOp::create(b, loc, slice, index(b, sliceK));
          firstRow = row;
          aSlice = tensor::ExtractSliceOp::create(
              b, loc, RankedTensorType::get({rows, sliceK}, element), a,
              SmallVector<OpFoldResult>{b.getIndexAttr(0), row},
              SmallVector<OpFoldResult>{b.getIndexAttr(rows),
                                        b.getIndexAttr(sliceK)},
              SmallVector<OpFoldResult>(2, b.getIndexAttr(1)));
          scf::YieldOp::create(b, loc, multiplyPanels(b, carried[0]));
        });
    result = loop.getResult(0);
  }
  Operation *oldInit = block.getDpsInits()[0].getDefiningOp();
  Operation *oldSlice = b.getDefiningOp();
  rewriter.replaceOp(block, result);
  for (Operation *op : {oldInit, oldSlice})
    if (op && isa<linalg::FillOp, tensor::ExtractSliceOp>(op) &&
        op->use_empty())
      rewriter.eraseOp(op);
  if (constant->use_empty()) {
    forget(cache, constant);
    rewriter.eraseOp(constant);
  }
  return success();
}
