//===- RecurrentConverters.cpp - LSTM, GRU, RNN ---------------------------===//
//
// The recurrent operators, unrolled over their (static) sequence length at
// import time. Per direction, the input contraction of every step is one
// matmul ([T*B, I] x [I, G*H]) with both biases added; each step then does
// one matmul of the hidden state with the recurrence weights (GRU with
// linear_before_reset = 0: two, the reset gate applied in between), the
// gate activations and the state update. `sequence_lens` masks the steps
// past a batch entry's length: its states keep their values and its output
// rows are zero, which for the reverse direction also starts each sequence
// at its own last element. Layout 1 (batch first) is transposed in and out.
//
//===----------------------------------------------------------------------===//

#include "NodeContext.h"
#include "OpRegistry.h"

#include "onnx/onnx_pb.h"

#include <cctype>

using namespace mlir;
using namespace mlir::autoglm;

namespace autoglm::importer {
namespace {
enum class Cell { lstm, gru, rnn };

/// One activation function of the `activations` attribute with its
/// parameters.
struct Activation {
  std::string name; // lower case
  double alpha = 0, beta = 0;
};

struct Recurrent {
  Cell cell;
  int64_t gates;     // 4 (LSTM), 3 (GRU), 1 (RNN)
  int64_t seqLength; // T
  int64_t batch;     // B
  int64_t inputSize; // I
  int64_t hidden;    // H
  int64_t directions;
  bool reverseOnly;
  std::optional<double> clip;
  bool inputForget = false;
  bool linearBeforeReset = false;
  SmallVector<Activation> activations; // per direction: f, g[, h]
};

/// v[..., begin:end] along `axis` (static shape).
Value sliceAxis(NodeContext &n, Value v, int64_t axis, int64_t begin,
                int64_t end) {
  auto type = cast<RankedTensorType>(v.getType());
  SmallVector<int64_t> starts(type.getRank(), 0), ends(type.getShape()),
      steps(type.getRank(), 1);
  starts[axis] = begin;
  ends[axis] = end;
  return n.create<SliceOp>(v, n.b.getDenseI64ArrayAttr(starts),
                           n.b.getDenseI64ArrayAttr(ends),
                           n.b.getDenseI64ArrayAttr(steps));
}

/// Entry `index` of the leading dimension, without that dimension.
Value takeLeading(NodeContext &n, Value v, int64_t index) {
  Value part = sliceAxis(n, v, 0, index, index + 1);
  if (!part)
    return nullptr;
  auto type = cast<RankedTensorType>(part.getType());
  return n.reshape(part, type.getShape().drop_front());
}

Value applyActivation(NodeContext &n, const Activation &a, Value x) {
  Type element = getElementTypeOrSelf(x.getType());
  auto c = [&](double v) { return n.scalar(element, v); };
  if (a.name == "sigmoid")
    return n.create<SigmoidOp>(x);
  if (a.name == "tanh")
    return n.create<TanhOp>(x);
  if (a.name == "relu")
    return n.create<ReluOp>(x);
  if (a.name == "affine") {
    Value scaled = n.create<MulOp>(x, c(a.alpha));
    return scaled ? n.create<AddOp>(scaled, c(a.beta)) : Value();
  }
  if (a.name == "leakyrelu")
    return n.create<LeakyReluOp>(x, n.b.getF64FloatAttr(a.alpha));
  if (a.name == "thresholdedrelu") {
    Value above = n.create<CmpOp>(
        CmpPredicateAttr::get(n.ctx, CmpPredicate::gt), x, c(a.alpha));
    return above ? n.create<SelectOp>(above, x, c(0.0)) : Value();
  }
  if (a.name == "scaledtanh") {
    Value inner = n.create<MulOp>(x, c(a.beta));
    Value t = inner ? n.create<TanhOp>(inner) : Value();
    return t ? n.create<MulOp>(t, c(a.alpha)) : Value();
  }
  if (a.name == "hardsigmoid")
    return n.create<HardSigmoidOp>(x, n.b.getF64FloatAttr(a.alpha),
                                   n.b.getF64FloatAttr(a.beta));
  if (a.name == "elu")
    return n.create<EluOp>(x, n.b.getF64FloatAttr(a.alpha));
  if (a.name == "softsign") {
    Value abs = n.create<AbsOp>(x);
    Value denominator = abs ? n.create<AddOp>(abs, c(1.0)) : Value();
    return denominator ? n.create<DivOp>(x, denominator) : Value();
  }
  if (a.name == "softplus")
    return n.create<SoftplusOp>(x);
  return nullptr; // checked when the attribute was read
}

/// Reads `activations` (with their alpha / beta, consumed in order by the
/// functions that take them, as ONNX Runtime does) or the defaults.
LogicalResult readActivations(NodeContext &n, Recurrent &r) {
  SmallVector<std::string> defaults;
  switch (r.cell) {
  case Cell::lstm:
    defaults = {"sigmoid", "tanh", "tanh"};
    break;
  case Cell::gru:
    defaults = {"sigmoid", "tanh"};
    break;
  case Cell::rnn:
    defaults = {"tanh"};
    break;
  }
  size_t perDirection = defaults.size();
  SmallVector<std::string> names;
  if (const onnx::AttributeProto *attr = n.attr("activations")) {
    for (const std::string &s : attr->strings()) {
      std::string lower;
      for (char ch : s)
        lower.push_back(static_cast<char>(std::tolower(ch)));
      names.push_back(lower);
    }
    if (names.size() != perDirection * r.directions)
      return n.emitError() << "activations has " << names.size()
                           << " entries; expected " << perDirection
                           << " per direction";
  } else {
    for (int64_t d = 0; d < r.directions; ++d)
      llvm::append_range(names, defaults);
  }
  SmallVector<double>
      alphas = n.floatsAttr("activation_alpha").value_or(SmallVector<double>()),
      betas = n.floatsAttr("activation_beta").value_or(SmallVector<double>());
  size_t nextAlpha = 0, nextBeta = 0;
  for (const std::string &name : names) {
    Activation a{name};
    // (uses alpha, default alpha, uses beta, default beta)
    struct Params {
      bool alpha;
      double alphaDefault;
      bool beta;
      double betaDefault;
    };
    static const std::pair<const char *, Params> table[] = {
        {"sigmoid", {false, 0, false, 0}},
        {"tanh", {false, 0, false, 0}},
        {"relu", {false, 0, false, 0}},
        {"softsign", {false, 0, false, 0}},
        {"softplus", {false, 0, false, 0}},
        {"affine", {true, 1.0, true, 0.0}},
        {"leakyrelu", {true, 0.01, false, 0}},
        {"thresholdedrelu", {true, 1.0, false, 0}},
        {"scaledtanh", {true, 1.0, true, 1.0}},
        {"hardsigmoid", {true, 0.2, true, 0.5}},
        {"elu", {true, 1.0, false, 0}},
    };
    const Params *params = nullptr;
    for (const auto &[key, value] : table)
      if (name == key)
        params = &value;
    if (!params)
      return n.emitError() << "unknown activation '" << name << "'";
    if (params->alpha)
      a.alpha = nextAlpha < alphas.size() ? alphas[nextAlpha++]
                                          : params->alphaDefault;
    if (params->beta)
      a.beta =
          nextBeta < betas.size() ? betas[nextBeta++] : params->betaDefault;
    r.activations.push_back(a);
  }
  return success();
}

/// Checks an input's shape against what the hidden size `hidden` (from W)
/// and the other inputs give.
LogicalResult checkShape(NodeContext &n, unsigned input, StringRef what,
                         ArrayRef<int64_t> expected, int64_t hidden) {
  auto type = n.inputType(input);
  if (type.getShape() != expected) {
    InFlightDiagnostic diag = n.emitError() << what << " has shape [";
    llvm::interleaveComma(type.getShape(), diag, [&](int64_t d) {
      if (ShapedType::isDynamic(d))
        diag << "?";
      else
        diag << d;
    });
    diag << "]; expected [";
    llvm::interleaveComma(expected, diag);
    return diag << "] (hidden size " << hidden << " from W)";
  }
  return success();
}

LogicalResult convertRecurrent(NodeContext &n, Cell cell) {
  unsigned maxInputs = cell == Cell::lstm ? 8 : 6;
  unsigned numOutputs = cell == Cell::lstm ? 3 : 2;
  // Y (output 0) may be left out when only the final states are used.
  if (n.hasOutput(0) ? failed(n.checkArity(3, maxInputs, numOutputs))
                     : (n.numInputs() < 3 || n.numInputs() > maxInputs ||
                        n.numOutputs() > numOutputs))
    return n.hasOutput(0)
               ? failure()
               : LogicalResult(n.emitError() << "expects 3 to " << maxInputs
                                             << " inputs and at most "
                                             << numOutputs << " outputs");
  Recurrent r;
  r.cell = cell;
  r.gates = cell == Cell::lstm ? 4 : cell == Cell::gru ? 3 : 1;
  std::string direction = n.stringAttr("direction", "forward");
  if (direction != "forward" && direction != "reverse" &&
      direction != "bidirectional")
    return n.emitError() << "unknown direction '" << direction << "'";
  r.directions = direction == "bidirectional" ? 2 : 1;
  r.reverseOnly = direction == "reverse";
  int64_t layout = n.intAttr("layout", 0);
  if (layout != 0 && layout != 1)
    return n.emitError() << "layout must be 0 or 1";
  if (n.hasAttr("clip"))
    r.clip = n.floatAttr("clip", 0.0);
  r.inputForget = n.intAttr("input_forget", 0) != 0;
  r.linearBeforeReset = n.intAttr("linear_before_reset", 0) != 0;

  auto xType = n.inputType(0);
  if (xType.getRank() != 3 || !xType.hasStaticShape() ||
      !isa<FloatType>(xType.getElementType()))
    return xType.getRank() == 3 && isa<FloatType>(xType.getElementType())
               ? n.notKnown("the shape of X (the sequence is unrolled)")
               : LogicalResult(n.emitError() << "X must be a 3-D float tensor");
  Type element = xType.getElementType();
  Value x = n.input(0);
  if (layout == 1)
    x = n.transpose(x, {1, 0, 2}); // [B, T, I] -> [T, B, I]
  if (!x)
    return failure();
  auto seqType = cast<RankedTensorType>(x.getType());
  r.seqLength = seqType.getDimSize(0);
  r.batch = seqType.getDimSize(1);
  r.inputSize = seqType.getDimSize(2);
  auto wType = n.inputType(1);
  if (wType.getRank() != 3 || ShapedType::isDynamic(wType.getDimSize(1)))
    return n.emitError() << "W must be a 3-D tensor of static shape";
  r.hidden = wType.getDimSize(1) / r.gates;
  if (n.hasAttr("hidden_size") && n.intAttr("hidden_size", 0) != r.hidden)
    return n.emitError() << "hidden_size " << n.intAttr("hidden_size", 0)
                         << " disagrees with W, whose shape gives " << r.hidden;
  int64_t H = r.hidden, G = r.gates, D = r.directions, B = r.batch,
          T = r.seqLength;
  // The unrolled steps are ops of the IR: a bound keeps a malformed length
  // from exhausting memory.
  constexpr int64_t kMaxSteps = 4096;
  if (T < 1 || T > kMaxSteps || H < 1)
    return n.emitError() << "a sequence of " << T << " steps with hidden size "
                         << H << " is not supported (1 to " << kMaxSteps
                         << " steps are unrolled; the hidden size must be "
                            "positive)";
  if (failed(checkShape(n, 1, "W", {D, G * H, r.inputSize}, H)) ||
      failed(checkShape(n, 2, "R", {D, G * H, H}, H)) ||
      (n.hasInput(3) && failed(checkShape(n, 3, "B", {D, 2 * G * H}, H))))
    return failure();
  for (unsigned i = 1; i < n.numInputs(); ++i)
    if (n.hasInput(i) && i != 4 && n.inputType(i).getElementType() != element)
      return n.emitError() << "input " << i << " has element type "
                           << n.inputType(i).getElementType() << "; expected "
                           << element;
  if (failed(readActivations(n, r)))
    return failure();

  // Initial states, [D, B, H] (layout 1: [B, D, H]).
  auto initialState = [&](unsigned i, StringRef what) -> FailureOr<Value> {
    if (!n.hasInput(i))
      return Value();
    Value v = n.input(i);
    SmallVector<int64_t> expected = layout == 1 ? SmallVector<int64_t>{B, D, H}
                                                : SmallVector<int64_t>{D, B, H};
    if (failed(checkShape(n, i, what, expected, H)))
      return failure();
    return layout == 1 ? n.transpose(v, {1, 0, 2}) : v;
  };
  FailureOr<Value> initialH = initialState(5, "initial_h");
  FailureOr<Value> initialC = cell == Cell::lstm ? initialState(6, "initial_c")
                                                 : FailureOr<Value>(Value());
  if (failed(initialH) || failed(initialC))
    return failure();
  if (cell == Cell::lstm && n.hasInput(7) &&
      failed(checkShape(n, 7, "P", {D, 3 * H}, H)))
    return failure();

  // sequence_lens as [B, 1] i64 (to broadcast over the hidden size).
  Value lengths;
  if (n.hasInput(4)) {
    auto type = n.inputType(4);
    if (type.getRank() != 1 || type.getDimSize(0) != B ||
        !isa<IntegerType>(type.getElementType()))
      return n.emitError() << "sequence_lens must be an integer vector of " << B
                           << " entries";
    Value wide = n.castTo(n.input(4), n.b.getI64Type());
    lengths = wide ? n.reshape(wide, {B, 1}) : Value();
    if (!lengths)
      return failure();
  }

  Value flatX = n.reshape(x, {T * B, r.inputSize});
  if (!flatX)
    return failure();
  SmallVector<Value> outputs, finalH, finalC;
  Value zeroState =
      n.createTyped<FillOp>(RankedTensorType::get({B, H}, element), Value(),
                            n.b.getFloatAttr(element, 0.0));
  if (!zeroState)
    return failure();
  for (int64_t d = 0; d < D; ++d) {
    bool reverse = r.reverseOnly || d == 1;
    size_t perDirection = r.activations.size() / D;
    ArrayRef<Activation> acts =
        ArrayRef(r.activations).slice(d * perDirection, perDirection);
    // Input contraction of all steps, with the biases.
    Value w = takeLeading(n, n.input(1), d);           // [G*H, I]
    Value wT = w ? n.transpose(w, {1, 0}) : Value();   // [I, G*H]
    Value rw = takeLeading(n, n.input(2), d);          // [G*H, H]
    Value rT = rw ? n.transpose(rw, {1, 0}) : Value(); // [H, G*H]
    Value projected = wT ? n.create<MatMulOp>(flatX, wT) : Value();
    Value recurrentBias; // GRU, linear_before_reset = 0: Rbh stays apart
    if (projected && n.hasInput(3)) {
      Value bias = takeLeading(n, n.input(3), d); // [2*G*H]
      Value wb = bias ? sliceAxis(n, bias, 0, 0, G * H) : Value();
      Value rb = bias ? sliceAxis(n, bias, 0, G * H, 2 * G * H) : Value();
      if (!wb || !rb)
        return failure();
      if (cell == Cell::gru) {
        // z and r take Rb with Wb; h's Rbh goes with the recurrence (it is
        // inside the reset gate's product when linear_before_reset).
        Value sumZR = n.create<AddOp>(sliceAxis(n, wb, 0, 0, 2 * H),
                                      sliceAxis(n, rb, 0, 0, 2 * H));
        Value wbH = sliceAxis(n, wb, 0, 2 * H, 3 * H);
        recurrentBias = sliceAxis(n, rb, 0, 2 * H, 3 * H);
        wb = sumZR && wbH ? n.create<ConcatOp>(ValueRange{sumZR, wbH},
                                               n.b.getI64IntegerAttr(0))
                          : Value();
      } else {
        wb = n.create<AddOp>(wb, rb);
      }
      projected = wb ? n.create<AddOp>(projected, wb) : Value();
    }
    Value steps = projected ? n.reshape(projected, {T, B, G * H}) : Value();
    if (!steps || !rT)
      return failure();
    Value peephole;
    if (cell == Cell::lstm && n.hasInput(7))
      peephole = takeLeading(n, n.input(7), d); // [3H]: i, o, f
    auto peep = [&](int64_t k) {
      return sliceAxis(n, peephole, 0, k * H, (k + 1) * H);
    };

    Value h = *initialH ? takeLeading(n, *initialH, d) : zeroState;
    Value c = *initialC ? takeLeading(n, *initialC, d) : zeroState;
    if (!h || !c)
      return failure();
    SmallVector<Value> stepOutputs(T);
    auto clipped = [&](Value v) {
      if (!v || !r.clip)
        return v;
      return n.create<ClipOp>(v, n.b.getF64FloatAttr(-*r.clip),
                              n.b.getF64FloatAttr(*r.clip));
    };
    auto gate = [&](Value all, int64_t k) {
      return sliceAxis(n, all, 1, k * H, (k + 1) * H);
    };
    for (int64_t s = 0; s < T; ++s) {
      int64_t t = reverse ? T - 1 - s : s;
      Value xt = takeLeading(n, steps, t); // [B, G*H]
      Value newH, newC;
      if (cell == Cell::lstm) {
        Value rec = n.create<MatMulOp>(h, rT);
        Value all = xt && rec ? n.create<AddOp>(xt, rec) : Value();
        if (!all)
          return failure();
        Value i = gate(all, 0), o = gate(all, 1), f = gate(all, 2),
              cc = gate(all, 3);
        if (peephole) {
          Value pi = peep(0), pf = peep(2);
          Value ci = pi ? n.create<MulOp>(c, pi) : Value();
          Value cf = pf ? n.create<MulOp>(c, pf) : Value();
          i = i && ci ? n.create<AddOp>(i, ci) : Value();
          f = f && cf ? n.create<AddOp>(f, cf) : Value();
        }
        if (!i || !o || !f || !cc)
          return failure();
        i = applyActivation(n, acts[0], clipped(i));
        if (r.inputForget) {
          f = i ? n.create<SubOp>(n.scalar(element, 1.0), i) : Value();
        } else {
          f = applyActivation(n, acts[0], clipped(f));
        }
        Value candidate = applyActivation(n, acts[1], clipped(cc));
        Value kept = f ? n.create<MulOp>(f, c) : Value();
        Value added = i && candidate ? n.create<MulOp>(i, candidate) : Value();
        newC = kept && added ? n.create<AddOp>(kept, added) : Value();
        if (newC && peephole) {
          Value po = peep(1);
          Value co = po ? n.create<MulOp>(newC, po) : Value();
          o = co ? n.create<AddOp>(o, co) : Value();
        }
        o = o ? applyActivation(n, acts[0], clipped(o)) : Value();
        Value squashed = newC ? applyActivation(n, acts[2], newC) : Value();
        newH = o && squashed ? n.create<MulOp>(o, squashed) : Value();
      } else if (cell == Cell::gru) {
        // Gates z, r from one matmul; h from the reset state.
        Value rZR = sliceAxis(n, rT, 1, 0, 2 * H);
        Value rH = sliceAxis(n, rT, 1, 2 * H, 3 * H);
        Value recZR = rZR ? n.create<MatMulOp>(h, rZR) : Value();
        Value xZR = xt ? sliceAxis(n, xt, 1, 0, 2 * H) : Value();
        Value xH = xt ? sliceAxis(n, xt, 1, 2 * H, 3 * H) : Value();
        Value zr = recZR && xZR ? n.create<AddOp>(xZR, recZR) : Value();
        if (!zr || !rH || !xH)
          return failure();
        Value z = applyActivation(n, acts[0], clipped(gate(zr, 0)));
        Value reset = applyActivation(n, acts[0], clipped(gate(zr, 1)));
        Value recH;
        if (r.linearBeforeReset) {
          Value prod = n.create<MatMulOp>(h, rH);
          if (prod && recurrentBias)
            prod = n.create<AddOp>(prod, recurrentBias);
          recH = prod && reset ? n.create<MulOp>(reset, prod) : Value();
        } else {
          Value resetH = reset ? n.create<MulOp>(reset, h) : Value();
          recH = resetH ? n.create<MatMulOp>(resetH, rH) : Value();
          if (recH && recurrentBias)
            recH = n.create<AddOp>(recH, recurrentBias);
        }
        Value pre = recH ? n.create<AddOp>(xH, recH) : Value();
        Value candidate =
            pre ? applyActivation(n, acts[1], clipped(pre)) : Value();
        // (1 - z) * candidate + z * h = candidate + z * (h - candidate)
        Value diff = candidate ? n.create<SubOp>(h, candidate) : Value();
        Value scaled = z && diff ? n.create<MulOp>(z, diff) : Value();
        newH = scaled ? n.create<AddOp>(candidate, scaled) : Value();
      } else {
        Value rec = n.create<MatMulOp>(h, rT);
        Value pre = xt && rec ? n.create<AddOp>(xt, rec) : Value();
        newH = pre ? applyActivation(n, acts[0], clipped(pre)) : Value();
      }
      if (!newH || (cell == Cell::lstm && !newC))
        return failure();
      Value out = newH;
      if (lengths) {
        // Steps at or past a sequence's length keep the states; output 0.
        Value inside =
            n.create<CmpOp>(CmpPredicateAttr::get(n.ctx, CmpPredicate::lt),
                            n.scalar(n.b.getI64Type(), t), lengths); // [B, 1]
        if (!inside)
          return failure();
        newH = n.create<SelectOp>(inside, newH, h);
        if (cell == Cell::lstm)
          newC = n.create<SelectOp>(inside, newC, c);
        out = n.create<SelectOp>(inside, out, n.scalar(element, 0.0));
        if (!newH || !out || (cell == Cell::lstm && !newC))
          return failure();
      }
      stepOutputs[t] = n.reshape(out, {1, 1, B, H});
      h = newH;
      c = newC;
    }
    Value y = n.create<ConcatOp>(stepOutputs, n.b.getI64IntegerAttr(0));
    if (!y)
      return failure();
    outputs.push_back(y); // [T, 1, B, H]
    finalH.push_back(n.reshape(h, {1, B, H}));
    if (cell == Cell::lstm)
      finalC.push_back(n.reshape(c, {1, B, H}));
  }
  auto join = [&](ArrayRef<Value> parts, int64_t axis) {
    return parts.size() == 1
               ? parts.front()
               : n.create<ConcatOp>(parts, n.b.getI64IntegerAttr(axis));
  };
  Value y = join(outputs, 1); // [T, D, B, H]
  Value yh = join(finalH, 0); // [D, B, H]
  Value yc = cell == Cell::lstm ? join(finalC, 0) : Value();
  if (!y || !yh || (cell == Cell::lstm && !yc))
    return failure();
  if (layout == 1) {
    y = n.transpose(y, {2, 0, 1, 3}); // [B, T, D, H]
    yh = n.transpose(yh, {1, 0, 2});  // [B, D, H]
    yc = yc ? n.transpose(yc, {1, 0, 2}) : Value();
  }
  if (!y || !yh)
    return failure();
  n.setOutput(0, y);
  n.setOutput(1, yh);
  if (yc)
    n.setOutput(2, yc);
  return success();
}
} // namespace

void registerRecurrentConverters(OpRegistry &r) {
  r.add("LSTM", [](NodeContext &n) { return convertRecurrent(n, Cell::lstm); });
  r.add("GRU", [](NodeContext &n) { return convertRecurrent(n, Cell::gru); });
  r.add("RNN", [](NodeContext &n) { return convertRecurrent(n, Cell::rnn); });
}
} // namespace autoglm::importer
