//===- ParallelLoopsToRuntime.cpp - scf.parallel on the runtime's threads -===//
//
// The compiled model receives an `autoglm_exec_context *ctx` from its entry
// function (runtime/include/autoglm/model_abi.h). This pass threads it into
// every public function as a trailing `!llvm.ptr` argument and runs each
// outermost `scf.parallel` with enough work through
// `ctx->parallel_for(ctx, n, body, data)`: the loop becomes an outlined
// `body(data, begin, end)` over its collapsed leading dimensions, and its
// captured values travel in a struct on the caller's stack.
//
// It works on memrefs and scf, before the conversion to LLVM, so the loops
// inside the body are lowered (and vectorized by LLVM) like any other. A
// captured memref is stored as the LLVM descriptor that the memref lowering
// will give it (through `builtin.unrealized_conversion_cast`, which
// `reconcile-unrealized-casts` folds away); static sizes and strides stay in
// the memref type, so the body's address computations keep their constants.
//
// Loops that outline to the same body (the same layer repeated: BERT's twelve
// encoder layers, ResNet's blocks of one stage) share one function: LLVM
// optimizes and compiles each distinct kernel once, which is most of the
// compile time of a model (283 bodies but 21 distinct ones for BERT-base).
//
//===----------------------------------------------------------------------===//

#include "autoglm/Target/CPU/Passes.h"

#include "mlir/Conversion/LLVMCommon/TypeConverter.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/DataLayoutInterfaces.h"
#include "mlir/Interfaces/LoopLikeInterface.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/Support/MathExtras.h"

namespace mlir::autoglm {
#define GEN_PASS_DEF_AUTOGLMPARALLELLOOPSTORUNTIME
#include "autoglm/Target/CPU/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;

namespace {
/// Field of `autoglm_exec_context {int32_t num_threads; parallel_for; ...}`.
constexpr int32_t kParallelForField = 1;

std::optional<int64_t> constantTripCount(Value lb, Value ub, Value step) {
  std::optional<int64_t> l = getConstantIntValue(lb);
  std::optional<int64_t> u = getConstantIntValue(ub);
  std::optional<int64_t> s = getConstantIntValue(step);
  if (!l || !u || !s || *s <= 0)
    return std::nullopt;
  return *u <= *l ? 0 : llvm::divideCeil(*u - *l, *s);
}

/// Operations `block` executes once, loops counted by their constant trip
/// counts (an unknown trip count counts once). Saturates instead of
/// overflowing; only compared with a threshold.
uint64_t estimateWork(Block &block) {
  uint64_t work = 0;
  for (Operation &op : block) {
    uint64_t inner = 0;
    for (Region &region : op.getRegions())
      for (Block &nested : region)
        inner = llvm::SaturatingAdd(inner, estimateWork(nested));
    uint64_t trips = 1;
    if (auto loop = dyn_cast<scf::ForOp>(op)) {
      trips = constantTripCount(loop.getLowerBound(), loop.getUpperBound(),
                                loop.getStep())
                  .value_or(1);
    } else if (auto loop = dyn_cast<scf::ParallelOp>(op)) {
      for (auto [lb, ub, step] : llvm::zip(
               loop.getLowerBound(), loop.getUpperBound(), loop.getStep()))
        trips = llvm::SaturatingMultiply<uint64_t>(
            trips, constantTripCount(lb, ub, step).value_or(1));
    }
    work = llvm::SaturatingAdd(work,
                               llvm::SaturatingAdd<uint64_t>(
                                   1, llvm::SaturatingMultiply(trips, inner)));
  }
  return work;
}

/// How a loop is split: its first `tripCounts.size()` dimensions (constant
/// bounds) are collapsed into `numIterations` linear iterations for
/// parallel_for; the others stay sequential inside the body.
struct Distribution {
  SmallVector<int64_t> tripCounts;
  int64_t numIterations = 1;
};

class ParallelLoopsToRuntime
    : public autoglm::impl::AutoGLMParallelLoopsToRuntimeBase<
          ParallelLoopsToRuntime> {
public:
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    LowerToLLVMOptions lowering(&getContext(), DataLayout(module));
    LLVMTypeConverter converter(&getContext(), lowering);
    SymbolTable symbols(module);
    outlined.clear();
    for (auto func : llvm::to_vector(module.getOps<func::FuncOp>()))
      if (func.isPublic() && !func.isExternal())
        if (failed(runOnFunction(func, converter, symbols)))
          return signalPassFailure();
    // A kernel's stack buffers (a product's column tiles of B,
    // TileAndVectorizeContractions.cpp) are allocated inside its loops, and
    // after lowering LLVM frees an alloca only when its function returns:
    // each iteration would take more stack. Allocas of a static size go to
    // the entry block of their function instead, an outlined body's for its
    // own thread; each use writes its buffer before reading it.
    module.walk([](func::FuncOp func) {
      if (func.isExternal())
        return;
      Block &entry = func.getBody().front();
      SmallVector<memref::AllocaOp> allocas;
      func.walk([&](memref::AllocaOp alloca) {
        if (alloca->getBlock() != &entry && alloca->getNumOperands() == 0)
          allocas.push_back(alloca);
      });
      for (memref::AllocaOp alloca : allocas)
        alloca->moveBefore(&entry, entry.begin());
    });
  }

private:
  LogicalResult runOnFunction(func::FuncOp func, LLVMTypeConverter &converter,
                              SymbolTable &symbols);
  std::optional<Distribution> planDistribution(scf::ParallelOp loop) const;
  /// The type a captured value of type `type` is stored as, or null.
  Type storageType(Type type, LLVMTypeConverter &converter) const;
  func::FuncOp outlineBody(scf::ParallelOp loop, const Distribution &plan,
                           ArrayRef<Value> captures,
                           ArrayRef<Operation *> clones,
                           LLVM::LLVMStructType dataType, StringRef name,
                           SymbolTable &symbols);
  /// `body`, or an outlined body equivalent to it, which replaces it.
  func::FuncOp deduplicate(func::FuncOp body, SymbolTable &symbols);

  /// The bodies outlined so far, by their data type and number of
  /// operations (a cheap key; equivalence decides).
  DenseMap<std::pair<Type, size_t>, SmallVector<func::FuncOp>> outlined;
};

std::optional<Distribution>
ParallelLoopsToRuntime::planDistribution(scf::ParallelOp loop) const {
  // A loop with reductions combines values across iterations; it is never
  // split (linalg's reduction dimensions are scf.for loops, not these).
  if (loop.getNumResults() != 0)
    return std::nullopt;
  unsigned rank = loop.getNumLoops();
  SmallVector<int64_t> tripCounts;
  for (unsigned i = 0; i < rank; ++i) {
    std::optional<int64_t> trips = constantTripCount(
        loop.getLowerBound()[i], loop.getUpperBound()[i], loop.getStep()[i]);
    if (!trips)
      break;
    tripCounts.push_back(*trips);
  }
  // An innermost dimension of unit step (an element loop) keeps its own loop,
  // unit stride and vectorizable, unless every outer dimension is unit, when
  // splitting it needs no division either. Tile loops (larger steps) may be
  // collapsed entirely: a division per tile costs nothing; so may a unit
  // step whose iteration runs loops of its own (a pad's or a pooling's
  // channel planes: at batch 8 their loops of (image, channel) ran as 8
  // iterations, half of 16 threads idle).
  bool elementBody =
      !loop.getBody()
           ->walk([](LoopLikeOpInterface) { return WalkResult::interrupt(); })
           .wasInterrupted();
  unsigned limit = tripCounts.size();
  if (limit == rank && rank > 1 && elementBody &&
      matchPattern(loop.getStep().back(), m_One()) &&
      llvm::any_of(ArrayRef(tripCounts).drop_back(),
                   [](int64_t t) { return t != 1; }))
    limit = rank - 1;

  Distribution plan;
  while (plan.tripCounts.size() < limit &&
         plan.numIterations < minParallelIterations) {
    plan.tripCounts.push_back(tripCounts[plan.tripCounts.size()]);
    plan.numIterations *= plan.tripCounts.back();
  }
  if (plan.numIterations < 2)
    return std::nullopt;

  uint64_t trips = 1;
  for (auto [lb, ub, step] :
       llvm::zip(loop.getLowerBound(), loop.getUpperBound(), loop.getStep()))
    trips = llvm::SaturatingMultiply<uint64_t>(
        trips, constantTripCount(lb, ub, step).value_or(1));
  uint64_t work =
      llvm::SaturatingMultiply(trips, estimateWork(*loop.getBody()));
  if (work < static_cast<uint64_t>(std::max<int64_t>(minWork, 0)))
    return std::nullopt;
  return plan;
}

Type ParallelLoopsToRuntime::storageType(Type type,
                                         LLVMTypeConverter &converter) const {
  if (type.isIndex())
    return converter.getIndexType();
  if (isa<MemRefType>(type))
    return converter.convertType(type);
  if (LLVM::isCompatibleType(type))
    return type;
  return {};
}

/// Builds `func.func private @name(%data: !llvm.ptr, %begin: i64, %end: i64)`
/// running iterations [begin, end) of the collapsed leading dimensions.
func::FuncOp ParallelLoopsToRuntime::outlineBody(
    scf::ParallelOp loop, const Distribution &plan, ArrayRef<Value> captures,
    ArrayRef<Operation *> clones, LLVM::LLVMStructType dataType, StringRef name,
    SymbolTable &symbols) {
  MLIRContext *context = &getContext();
  Location loc = loop.getLoc();
  Type ptrType = LLVM::LLVMPointerType::get(context);
  Type i64 = IntegerType::get(context, 64);
  auto parentFunc = loop->getParentOfType<func::FuncOp>();
  OpBuilder b(parentFunc);
  auto body = func::FuncOp::create(b, loc, name,
                                   b.getFunctionType({ptrType, i64, i64}, {}));
  body.setPrivate();
  // Called directly too (without threads): inlined there, every kernel would
  // be compiled twice, and main would grow with every layer.
  // (func-to-llvm carries `passthrough` over to llvm.func.)
  body->setAttr("passthrough", b.getStrArrayAttr({"noinline"}));
  symbols.insert(body); // Renames on a clash.
  Block *entry = body.addEntryBlock();
  b.setInsertionPointToStart(entry);

  IRMapping mapping;
  for (auto [i, value] : llvm::enumerate(captures)) {
    Type fieldType = dataType.getBody()[i];
    Value field =
        LLVM::GEPOp::create(b, loc, ptrType, dataType, body.getArgument(0),
                            ArrayRef<LLVM::GEPArg>{0, static_cast<int32_t>(i)});
    Value loaded = LLVM::LoadOp::create(b, loc, fieldType, field);
    if (value.getType().isIndex())
      loaded = arith::IndexCastOp::create(b, loc, value.getType(), loaded);
    else if (fieldType != value.getType())
      loaded =
          UnrealizedConversionCastOp::create(b, loc, value.getType(), loaded)
              .getResult(0);
    mapping.map(value, loaded);
  }
  for (Operation *op : clones)
    b.clone(*op, mapping);

  Value c0 = arith::ConstantIndexOp::create(b, loc, 0);
  Value c1 = arith::ConstantIndexOp::create(b, loc, 1);
  Value begin =
      arith::IndexCastOp::create(b, loc, b.getIndexType(), body.getArgument(1));
  Value end =
      arith::IndexCastOp::create(b, loc, b.getIndexType(), body.getArgument(2));
  unsigned numDistributed = plan.tripCounts.size();
  auto remaining = [&](OperandRange bounds) {
    return llvm::map_to_vector(bounds.drop_front(numDistributed), [&](Value v) {
      return mapping.lookupOrDefault(v);
    });
  };
  SmallVector<Value> lbs = remaining(loop.getLowerBound());
  SmallVector<Value> ubs = remaining(loop.getUpperBound());
  SmallVector<Value> steps = remaining(loop.getStep());

  // Row-major delinearization; unit dimensions take their lower bound and
  // the outermost non-unit one the quotient, so a single non-unit dimension
  // needs no division.
  const int64_t *outermost =
      llvm::find_if(plan.tripCounts, [](int64_t t) { return t != 1; });
  SmallVector<Value> counts;
  for (const int64_t &trips : plan.tripCounts)
    counts.push_back(
        trips == 1 || &trips == outermost
            ? Value()
            : arith::ConstantIndexOp::create(b, loc, trips).getResult());
  scf::buildLoopNest(
      b, loc, begin, end, c1,
      [&](OpBuilder &b, Location loc, ValueRange linear) {
        SmallVector<Value> ivs(numDistributed);
        Value rest = linear.front();
        for (int64_t d = numDistributed - 1; d >= 0; --d) {
          Value index = c0;
          if (&plan.tripCounts[d] == outermost) {
            index = rest;
          } else if (counts[d]) {
            index = arith::RemUIOp::create(b, loc, rest, counts[d]);
            rest = arith::DivUIOp::create(b, loc, rest, counts[d]);
          }
          Value lb = mapping.lookupOrDefault(loop.getLowerBound()[d]);
          Value step = mapping.lookupOrDefault(loop.getStep()[d]);
          if (!matchPattern(step, m_One()))
            index = arith::MulIOp::create(b, loc, index, step);
          if (!matchPattern(lb, m_Zero()))
            index = arith::AddIOp::create(b, loc, lb, index);
          ivs[d] = index;
        }
        scf::buildLoopNest(b, loc, lbs, ubs, steps,
                           [&](OpBuilder &b, Location, ValueRange inner) {
                             ivs.append(inner.begin(), inner.end());
                             mapping.map(loop.getInductionVars(), ivs);
                             for (Operation &op :
                                  loop.getBody()->without_terminator())
                               b.clone(op, mapping);
                           });
      });
  func::ReturnOp::create(b, loc);
  return body;
}

func::FuncOp ParallelLoopsToRuntime::deduplicate(func::FuncOp body,
                                                 SymbolTable &symbols) {
  if (!shareBodies)
    return body;
  size_t numOps = 0;
  body.walk([&](Operation *) { ++numOps; });
  // Every body has the same function type; the data struct's type is in
  // its loads, which the equivalence compares.
  auto key = std::make_pair(Type(body.getFunctionType()), numOps);
  SmallVector<func::FuncOp> &candidates = outlined[key];
  for (func::FuncOp other : candidates)
    if (OperationEquivalence::isRegionEquivalentTo(
            &other.getBody(), &body.getBody(),
            OperationEquivalence::IgnoreLocations)) {
      symbols.erase(body);
      ++numSharedBodies;
      return other;
    }
  candidates.push_back(body);
  return body;
}

LogicalResult ParallelLoopsToRuntime::runOnFunction(
    func::FuncOp func, LLVMTypeConverter &converter, SymbolTable &symbols) {
  MLIRContext *context = &getContext();
  Type ptrType = LLVM::LLVMPointerType::get(context);
  Type i64 = IntegerType::get(context, 64);
  if (failed(func.insertArgument(func.getNumArguments(), ptrType, {},
                                 func.getLoc())))
    return func.emitError("cannot add the execution context argument");
  Value ctx = func.getArguments().back();

  SmallVector<scf::ParallelOp> outermost;
  func.walk<WalkOrder::PreOrder>([&](scf::ParallelOp loop) {
    outermost.push_back(loop);
    return WalkResult::skip();
  });

  Block &entry = func.getBody().front();
  Value parallelFor; // ctx->parallel_for or null; loaded on first use.
  Value null;
  unsigned counter = 0;
  for (scf::ParallelOp loop : outermost) {
    std::optional<Distribution> plan = planDistribution(loop);
    if (!plan)
      continue;

    // Values from above: constants are cloned into the body (their values
    // matter to the optimizer, e.g. as loop bounds), the rest captured.
    llvm::SetVector<Value> used;
    getUsedValuesDefinedAbove(loop.getRegion(), loop.getRegion(), used);
    // The body computes the distributed dimensions' indices from their
    // lower bounds and steps, and loops over the others.
    for (unsigned i = 0; i < loop.getNumLoops(); ++i) {
      used.insert_range(ValueRange{loop.getLowerBound()[i], loop.getStep()[i]});
      if (i >= plan->tripCounts.size())
        used.insert(loop.getUpperBound()[i]);
    }
    SmallVector<Value> captures;
    SmallVector<Operation *> clones;
    SmallVector<Type> fieldTypes;
    bool supported = true;
    for (Value value : used) {
      Operation *def = value.getDefiningOp();
      // Cloned ops have no operands, so their order does not matter.
      if (def && (matchPattern(value, m_Constant()) ||
                  isa<memref::GetGlobalOp>(def))) {
        clones.push_back(def);
        continue;
      }
      Type field = storageType(value.getType(), converter);
      if (!field) {
        supported = false;
        break;
      }
      captures.push_back(value);
      fieldTypes.push_back(field);
    }
    if (!supported)
      continue;
    auto dataType = LLVM::LLVMStructType::getLiteral(context, fieldTypes);

    Location loc = loop.getLoc();
    OpBuilder b(context);
    if (!parallelFor) {
      // %pf = ctx ? ctx->parallel_for : null, once per function.
      b.setInsertionPointToStart(&entry);
      null = LLVM::ZeroOp::create(b, loc, ptrType);
      Value hasCtx =
          LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::ne, ctx, null);
      auto ifCtx = scf::IfOp::create(b, loc, TypeRange{ptrType}, hasCtx,
                                     /*withElseRegion=*/true);
      b.setInsertionPointToStart(ifCtx.thenBlock());
      auto ctxType = LLVM::LLVMStructType::getLiteral(
          context, {b.getI32Type(), ptrType, ptrType});
      Value slot =
          LLVM::GEPOp::create(b, loc, ptrType, ctxType, ctx,
                              ArrayRef<LLVM::GEPArg>{0, kParallelForField});
      scf::YieldOp::create(
          b, loc, ValueRange{LLVM::LoadOp::create(b, loc, ptrType, slot)});
      b.setInsertionPointToStart(ifCtx.elseBlock());
      scf::YieldOp::create(b, loc, null);
      parallelFor = ifCtx.getResult(0);
    }

    std::string name =
        (func.getSymName() + "_parallel_" + Twine(counter++)).str();
    func::FuncOp body = deduplicate(
        outlineBody(loop, *plan, captures, clones, dataType, name, symbols),
        symbols);

    // The struct lives in the entry block, so a loop nested in a sequential
    // loop reuses one slot rather than growing the stack.
    Value data = null;
    if (!captures.empty()) {
      b.setInsertionPointAfter(parallelFor.getDefiningOp());
      Value one = LLVM::ConstantOp::create(b, loc, i64, b.getI64IntegerAttr(1));
      data = LLVM::AllocaOp::create(b, loc, ptrType, dataType, one);
    }
    b.setInsertionPoint(loop);
    for (auto [i, value] : llvm::enumerate(captures)) {
      Value stored = value;
      if (value.getType().isIndex())
        stored = arith::IndexCastOp::create(b, loc, fieldTypes[i], value);
      else if (fieldTypes[i] != value.getType())
        stored =
            UnrealizedConversionCastOp::create(b, loc, fieldTypes[i], value)
                .getResult(0);
      Value field = LLVM::GEPOp::create(
          b, loc, ptrType, dataType, data,
          ArrayRef<LLVM::GEPArg>{0, static_cast<int32_t>(i)});
      LLVM::StoreOp::create(b, loc, stored, field);
    }
    Value n = arith::ConstantIntOp::create(b, loc, i64, plan->numIterations);
    Value bodyRef = func::ConstantOp::create(b, loc, body.getFunctionType(),
                                             SymbolRefAttr::get(body));
    Value bodyPtr = UnrealizedConversionCastOp::create(b, loc, ptrType, bodyRef)
                        .getResult(0);
    Value hasParallelFor = LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::ne,
                                                parallelFor, null);
    auto ifParallel =
        scf::IfOp::create(b, loc, hasParallelFor, /*withElseRegion=*/true);
    b.setInsertionPointToStart(ifParallel.thenBlock());
    auto parallelForType = LLVM::LLVMFunctionType::get(
        LLVM::LLVMVoidType::get(context), {ptrType, i64, ptrType, ptrType});
    LLVM::CallOp::create(b, loc, parallelForType,
                         ValueRange{parallelFor, ctx, n, bodyPtr, data});
    b.setInsertionPointToStart(ifParallel.elseBlock());
    Value zero = arith::ConstantIntOp::create(b, loc, i64, 0);
    func::CallOp::create(b, loc, body, ValueRange{data, zero, n});
    loop.erase();
  }
  return success();
}
} // namespace
